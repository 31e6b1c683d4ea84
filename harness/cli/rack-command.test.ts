import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeldLease } from '../rack/held-lease.ts';
import { thisHolder } from '../rack/holder-process.ts';
import { SqliteLeaseStore } from '../rack/sqlite-store.ts';
import { projectRoot, spawnHolder, type HolderChild } from '../rack/testing-fixtures/holder-child.ts';

// `hil rack` as a person at the bench runs it, as its own process, against a SQLite store and an
// inventory of three boards; jobs holding boards are real worker processes.

const CLI = path.join(projectRoot, 'harness/rack/testing-fixtures/rack-cli.ts');
const INVENTORY = {
  boards: [
    { id: 'sama5d2-1', type: 'sama5d2', tags: ['usb-power'] },
    { id: 'sama5d2-2', type: 'sama5d2', tags: ['usb-power', 'sd-mux'] },
    { id: 'bbgw-1', type: 'bbgw' },
  ],
};

let env: NodeJS.ProcessEnv;
let dir: string;
let storeFile: string;
const children: HolderChild[] = [];

// A folder of its own, not Playwright's output folder, which a concurrent run empties.
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-rack-cli-'));
  storeFile = path.join(dir, 'rack.sqlite');
  const inventory = path.join(dir, 'lab-inventory.json');
  fs.writeFileSync(inventory, JSON.stringify(INVENTORY));
  env = { ...process.env, HIL_INVENTORY: inventory, HIL_LEASE_STORE: storeFile };
});

test.afterEach(async () => {
  for (const c of children.splice(0)) await c.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function rack(args: string[], e: NodeJS.ProcessEnv = env): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, 'rack', ...args], { cwd: projectRoot, env: e, encoding: 'utf8', timeout: 40_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const json = <T>(r: Run): T => {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

interface StatusJson {
  store: string;
  boards: { id: string; type: string; tags: string[]; state: string; lease: { holder: { host: string; pid: number; job: string }; kind: string; since: string; expiresAt: string } | null; outOfService: { reason: string; lastLines: string[]; by: string } | null }[];
}

test('status lists every board of the inventory, free, with type and tags', async () => {
  const s = json<StatusJson>(await rack(['status', '--json']));
  expect(s.store).toBe(storeFile);
  expect(s.boards.map((b) => [b.id, b.type, b.tags, b.state])).toEqual([
    ['sama5d2-1', 'sama5d2', ['usb-power'], 'free'],
    ['sama5d2-2', 'sama5d2', ['usb-power', 'sd-mux'], 'free'],
    ['bbgw-1', 'bbgw', [], 'free'],
  ]);
  const text = await rack(['status']);
  expect(text.stdout).toMatch(/^sama5d2-2 +sama5d2 +usb-power,sd-mux +free$/m);
});

test('reserve prints the board; status shows who holds it until when; a third waits, fails naming what it waited for; release ends it', async () => {
  const first = json<{ board: string; acquiredAt: string; expiresAt: string; holder: { job: string } }>(await rack(['reserve', '--type', 'sama5d2', '--tags', 'sd-mux', '--for', '2h', '--job', 'ana at the bench', '--json']));
  expect(first.board).toBe('sama5d2-2');
  expect(Date.parse(first.expiresAt) - Date.parse(first.acquiredAt)).toBe(2 * 3600_000);
  const second = await rack(['reserve', '--type', 'sama5d2']);
  expect(second.status, second.stderr).toBe(0);
  expect(second.stdout).toBe('sama5d2-1\n');

  const third = await rack(['reserve', '--type', 'sama5d2', '--tags', 'usb-power', '--wait', '1']);
  expect(third.status).toBe(1);
  expect(third.stderr).toContain('no sama5d2 board with tags usb-power came free within 1.0 s');
  expect(third.stderr).toMatch(/sama5d2-1: reserved by .* pid \d+ \(.* at the bench\) until /);
  expect(third.stderr).toMatch(/sama5d2-2: reserved by .* pid \d+ \(ana at the bench\) until /);

  const s = json<StatusJson>(await rack(['status', '--json']));
  const b2 = s.boards.find((b) => b.id === 'sama5d2-2')!;
  expect(b2).toMatchObject({ state: 'reserved', lease: { kind: 'reservation', holder: { job: 'ana at the bench' }, since: first.acquiredAt, expiresAt: first.expiresAt } });

  const released = await rack(['release', 'sama5d2-2']);
  expect(released.stdout).toMatch(/^released sama5d2-2 \(was reserved by .* \(ana at the bench\)/);
  expect(json<StatusJson>(await rack(['status', '--json'])).boards.find((b) => b.id === 'sama5d2-2')!.state).toBe('free');
  expect((await rack(['release', 'sama5d2-2'])).stdout).toBe('sama5d2-2 was not leased\n');
});

test("a job's lease is released only with --force, and the job hears it lost the board", async () => {
  const job = spawnHolder({ store: storeFile, boards: ['bbgw-1'], ttlMs: 3000, job: 'nightly #812' });
  children.push(job);
  await job.next('taken');
  const refused = await rack(['release', 'bbgw-1']);
  expect(refused.status).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toContain(`board bbgw-1: leased by`);
  expect(refused.stderr).toContain(`pid ${job.pid} (nightly #812)`);
  expect(refused.stderr).toContain('--force');
  const forced = await rack(['release', 'bbgw-1', '--force']);
  expect(forced.stdout).toContain(`released bbgw-1 (was leased by`);
  const lost = await job.next('lost');
  expect(lost.reason).toContain('bbgw-1');
});

test('reserve --wait takes the board as soon as the job holding it ends', async () => {
  const job = spawnHolder({ store: storeFile, boards: ['bbgw-1'], ttlMs: 60_000, job: 'release gate' });
  children.push(job);
  await job.next('taken');
  const waiting = rack(['reserve', '--type', 'bbgw', '--wait', '30', '--json']);
  // The reserve is polling once a second; the job ends on its own schedule.
  await job.end();
  const ended = Date.now();
  const r = await waiting;
  expect(json<{ board: string }>(r).board).toBe('bbgw-1');
  expect(Date.now() - ended).toBeLessThan(5000);
});

test('a board that failed its health check is skipped and shown with its reason and last lines until it is returned', async () => {
  const store = new SqliteLeaseStore(storeFile);
  try {
    const lease = (await store.take({ board: 'bbgw-1', holder: thisHolder('nightly #813'), kind: 'session', ttlMs: 30_000 }))!;
    await new HeldLease(store, lease, 30_000).retire('health check: no login prompt within 60 s', ['U-Boot SPL 2023.01', 'Trying to boot from MMC1']);
  } finally {
    await store.close();
  }
  const s = json<StatusJson>(await rack(['status', '--json']));
  expect(s.boards.find((b) => b.id === 'bbgw-1')).toMatchObject({
    state: 'out-of-service',
    lease: null,
    outOfService: { reason: 'health check: no login prompt within 60 s', lastLines: ['U-Boot SPL 2023.01', 'Trying to boot from MMC1'], by: expect.stringContaining('(nightly #813)') },
  });
  expect((await rack(['status'])).stdout).toMatch(/^bbgw-1 .* OUT OF SERVICE since .*: health check: no login prompt within 60 s\n +\| U-Boot SPL 2023\.01\n +\| Trying to boot from MMC1$/m);
  const refused = await rack(['reserve', '--type', 'bbgw']);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('bbgw-1: out of service since');
  expect(refused.stderr).toContain('hil rack return bbgw-1');
  expect((await rack(['return', 'bbgw-1'])).stdout).toMatch(/^bbgw-1 is back in service \(out since .*: health check: no login prompt within 60 s\)\n$/);
  expect((await rack(['reserve', '--type', 'bbgw'])).stdout).toBe('bbgw-1\n');
  expect((await rack(['return', 'bbgw-1'])).stdout).toBe('bbgw-1 was not out of service\n');
});

const badInput: [string, string[], number, RegExp, NodeJS.ProcessEnv?][] = [
  ['a type the inventory lacks', ['reserve', '--type', 'rpi'], 2, /--type: no board of type "rpi" in .*lab-inventory\.json \(types there: sama5d2, bbgw\)/],
  ['tags no board of the type has', ['reserve', '--type', 'bbgw', '--tags', 'usb-power'], 2, /--tags: no bbgw board has all of usb-power in .* \(bbgw-1: no tags\)/],
  ['a duration that is not one', ['reserve', '--type', 'bbgw', '--for', '2x'], 2, /--for <duration>.*'2x' is invalid\. expected a duration such as 90s/],
  ['a wait that is not a number', ['reserve', '--type', 'bbgw', '--wait', 'soon'], 2, /--wait <seconds>.*'soon' is invalid\. expected a number of seconds/],
  ['no --type', ['reserve'], 2, /required option '--type <type>' not specified/],
  ['a board the inventory lacks (release)', ['release', 'sama5d2-9'], 2, /board sama5d2-9: not in the lab inventory .*lab-inventory\.json \(boards there: sama5d2-1, sama5d2-2, bbgw-1\)/],
  ['a board the inventory lacks (return)', ['return', 'bbgw-9'], 2, /board bbgw-9: not in the lab inventory/],
  ['a PostgreSQL store that cannot be reached', ['status'], 3, /cannot open the rack's lease store postgres:\/\/\S*127\.0\.0\.1:1\/rack \(HIL_LEASE_STORE\): ECONNREFUSED \[lab fault\]/, { HIL_LEASE_STORE: 'postgres://hil:s3cret@127.0.0.1:1/rack' }],
];

for (const [what, args, code, message, extraEnv] of badInput) {
  test(`bad input is one line naming the board or option: ${what}`, async () => {
    const r = await rack(args, { ...env, ...extraEnv });
    expect(r.status, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('s3cret');
  });
}

test('a bad inventory names the board and the field', async () => {
  fs.writeFileSync(env.HIL_INVENTORY!, JSON.stringify({ boards: [{ id: 'sama5d2-1', type: 'sama5d2' }, { id: 'bbgw-1', tags: 'x' }] }));
  const r = await rack(['status']);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('boards[1] (bbgw-1).type: expected the board type');
  expect(r.stderr).toContain('boards[1] (bbgw-1).tags: expected a list of tags');
});
