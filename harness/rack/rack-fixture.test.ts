import { test, expect } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileSource, startLocalRackBoard, type LocalRackBoard } from './local-rack-board.ts';
import { SqliteLeaseStore } from './sqlite-store.ts';

// The board fixture on a rack of two boards made of real local peers (an OpenSSH server and a
// shell on a pty each), in a real nested Playwright run with the project's fixtures, a SQLite
// store in the run's folder and a lab inventory listing both boards:
//  - the project runs two workers (the pool's size, harness/rack/rack-workers.ts), one per board,
//    and every test names its board (annotations, JUnit properties, nightly summary);
//  - with one board's SSH dead, that board fails its health check, goes out of service with the
//    reason, and the tests run on the other; `hil rack return` puts it back;
//  - with no healthy board free in time, the tests are skipped, naming each board and its holder;
//  - a lab fault in a test has its board checked again when the worker ends;
//  - a board a test left unbootable is recovered by its recovery command, and the next test runs on it.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TYPE = 'rackboard';

const spec = (outDir: string) => `
import fs from 'node:fs';
import { test, expect } from ${JSON.stringify(path.join(root, 'harness/fixtures.ts'))};
import { phase } from ${JSON.stringify(path.join(root, 'harness/suite/phase.ts'))};
import { LabFault, ProductFailure } from ${JSON.stringify(path.join(root, 'harness/errors.ts'))};

// HIL_TEST_KILL_SSHD (the sshd pid files by board): test 1 kills its board's sshd and fails with a lab fault.
const killable = JSON.parse(process.env.HIL_TEST_KILL_SSHD ?? '{}');
// HIL_TEST_BRICK (the local boards' folders by board): the first test on such a board installs an
// image that boots no slot, reboots into it and fails as the product's failure.
const brickable = JSON.parse(process.env.HIL_TEST_BRICK ?? '{}');

for (const n of [1, 2, 3, 4]) {
  test('test ' + n, async ({ board }, testInfo) => {
    // The board fixture attached (console, login, log follower, SSH, no update under way).
    const id = testInfo.annotations.find((a) => a.type === 'board-id')?.description;
    expect(await board.activeSlot()).toBe('A');
    fs.writeFileSync(${JSON.stringify(outDir)} + '/test-' + n + '.json', JSON.stringify({ pid: process.pid, board: id, deviceId: board.profile.deviceId, sshPort: board.profile.ssh.port }));
    if (n === 1 && killable[id]) {
      process.kill(Number(fs.readFileSync(killable[id], 'utf8')), 'SIGKILL');
      await phase('confirm', 1000, async () => {
        throw new LabFault(id + ': the board stopped answering');
      });
    }
    if (brickable[id] && !fs.existsSync(brickable[id] + '/bricked-once')) {
      fs.writeFileSync(brickable[id] + '/bricked-once', '');
      fs.writeFileSync(brickable[id] + '/unbootable', '');
      await phase('reboot', 1000, async () => {
        await board.powerCycle();
        throw new ProductFailure(id + ': the new image boots no slot');
      });
    }
    expect(id).toBeTruthy();
  });
}
`;

interface Report {
  suites: { specs: { title: string; tests: { results: { status: string; startTime: string; annotations: { type: string; description?: string }[] }[]; annotations: { type: string; description?: string }[] }[] }[] }[];
}

let work: string;
let boards: LocalRackBoard[] = [];

test.beforeEach(async () => {
  // Inside the project: the nested run loads the harness's TypeScript reporters and fixtures.
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  work = fs.mkdtempSync(path.join(root, '.cache', 'rack-fixture-'));
  boards = [await startLocalRackBoard('board-1', work), await startLocalRackBoard('board-2', work)];
  fs.writeFileSync(path.join(work, `${TYPE}.ts`), profileSource(TYPE));
  fs.writeFileSync(path.join(work, 'inventory.json'), JSON.stringify({ boards: boards.map((b, i) => b.entry(TYPE, i === 0 ? ['bench-a'] : ['bench-b'])) }, null, 2));
  fs.writeFileSync(
    path.join(work, 'nested.config.ts'),
    `import { boardProjectWorkers } from ${JSON.stringify(path.join(root, 'harness/rack/rack-workers.ts'))};
export default {
  testDir: ${JSON.stringify(work)},
  testMatch: '**/rack.spec.ts',
  outputDir: ${JSON.stringify(path.join(work, 'results'))},
  fullyParallel: true,
  retries: 0,
  workers: 3,
  reporter: [
    ['json', { outputFile: ${JSON.stringify(path.join(work, 'report.json'))} }],
    ['junit', { outputFile: ${JSON.stringify(path.join(work, 'junit.xml'))} }],
    [${JSON.stringify(path.join(root, 'harness/report/nightly-summary-reporter.ts'))}, { outputDir: ${JSON.stringify(path.join(work, 'summary'))} }],
  ],
  projects: [{ name: ${JSON.stringify(TYPE)}, workers: boardProjectWorkers(${JSON.stringify(TYPE)}, ${JSON.stringify(root)}), use: { boardProfile: ${JSON.stringify(path.join(work, `${TYPE}.ts`))} } }],
};
`,
  );
  // The board fixture's lab: a partner configuration it never needs to reach (the tests publish nothing).
  fs.writeFileSync(path.join(work, 'partner-ota-conf.json'), JSON.stringify({ name: 'rack', version: '1.0', username: 'lab', userpw: 'unused', 'auth-string': 'dW51c2VkOnVudXNlZA==', deviceTypeId: 'rack', partnerId: 'rack', imageFiles: { A: 'hub_update.bin' } }));
  fs.mkdirSync(path.join(work, 'out'));
  fs.writeFileSync(path.join(work, 'rack.spec.ts'), spec(path.join(work, 'out')));
});

test.afterEach(async ({}, testInfo) => {
  for (const f of ['output.txt', 'report.json', 'junit.xml']) {
    if (fs.existsSync(path.join(work, f))) await testInfo.attach(f, { path: path.join(work, f) });
  }
  for (const b of boards) await b.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => ({
  // The nested runner must not take this worker's own Playwright settings for its own.
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS')),
  CI: '',
  HIL_INVENTORY: path.join(work, 'inventory.json'),
  HIL_LEASE_STORE: path.join(work, 'rack.sqlite'),
  HIL_LEASE_WAIT: '60',
  HIL_BOARD_TAGS: '',
  HIL_LOG: '',
  HIL_OTA_CONF: path.join(work, 'partner-ota-conf.json'),
  ...extra,
});

/** Runs the nested project; its outcome is read from its reports, its output kept in output.txt. */
async function nestedRun(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; report: Report }> {
  const out = fs.openSync(path.join(work, 'output.txt'), 'w');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', path.join(work, 'nested.config.ts')], { cwd: root, env: env(extraEnv), stdio: ['ignore', out, out] });
    child.on('exit', (c) => resolve(c));
  });
  fs.closeSync(out);
  return { code, report: JSON.parse(fs.readFileSync(path.join(work, 'report.json'), 'utf8')) as Report };
}

const ran = () => [1, 2, 3, 4].map((n) => path.join(work, 'out', `test-${n}.json`)).filter((f) => fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { pid: number; board: string; deviceId: string; sshPort: number });

function hil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  try {
    return { status: 0, stdout: execFileSync('node', [path.join(root, 'bin/hil.js'), ...args], { cwd: root, env: env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
  } catch (e) {
    const x = e as { status: number | null; stdout: string; stderr: string };
    return { status: x.status, stdout: x.stdout, stderr: x.stderr };
  }
}

test('a pool of two boards runs the project on two workers, one per board, each test naming its board', async () => {
  test.setTimeout(180_000);
  const { code, report } = await nestedRun();
  expect(code, fs.readFileSync(path.join(work, 'output.txt'), 'utf8')).toBe(0);
  const tests = report.suites.flatMap((s) => s.specs).map((s) => s.tests[0]);
  expect(tests.map((t) => t.results[0].status)).toEqual(['passed', 'passed', 'passed', 'passed']);
  const rows = ran();
  expect(rows).toHaveLength(4);
  // Two workers (never a third: the pool has two boards), each on its own board all along.
  const byPid = new Map<number, Set<string>>();
  for (const r of rows) byPid.set(r.pid, new Set([...(byPid.get(r.pid) ?? []), r.board]));
  expect(byPid.size, 'workers that ran tests').toBe(2);
  expect([...byPid.values()].map((s) => s.size), 'boards per worker').toEqual([1, 1]);
  expect(new Set(rows.map((r) => r.board))).toEqual(new Set(['board-1', 'board-2']));
  // The profile is the board's own: its inventory entry applied.
  for (const r of rows) expect(r.sshPort).toBe(boards.find((b) => b.id === r.board)!.sshd.target.port);
  // Named in the report's annotations (with the tags), the JUnit properties and the nightly summary.
  for (const t of tests) {
    const a = t.results[0].annotations;
    const id = a.find((x) => x.type === 'board-id')?.description;
    expect(a.find((x) => x.type === 'board-tags')?.description).toBe(id === 'board-1' ? 'bench-a' : 'bench-b');
  }
  const junit = fs.readFileSync(path.join(work, 'junit.xml'), 'utf8');
  expect(junit.match(/<property name="board-id" value="board-[12]">/g)).toHaveLength(4);
  const summary = JSON.parse(fs.readFileSync(path.join(work, 'summary', 'nightly-summary.json'), 'utf8')) as { results: { board: string; boardId?: string }[] };
  expect(new Set(summary.results.map((r) => r.boardId))).toEqual(new Set(['board-1', 'board-2']));
  // Every lease was released at the end.
  const store = new SqliteLeaseStore(path.join(work, 'rack.sqlite'));
  try {
    const snap = await store.snapshot();
    expect(snap.leases).toEqual([]);
    expect(snap.outOfService).toEqual([]);
  } finally {
    await store.close();
  }
});

test('a board whose SSH is dead fails its health check, goes out of service, and the run goes on on the other; hil rack return puts it back', async () => {
  test.setTimeout(240_000);
  boards[0].sshd.crash();
  const { report } = await nestedRun();
  const results = report.suites.flatMap((s) => s.specs).map((s) => s.tests[0].results[0]);
  const rows = ran();
  expect(rows.length, 'tests that ran').toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.board)), 'the boards tests ran on').toEqual(new Set(['board-2']));
  for (const r of results) {
    if (r.status === 'passed') continue;
    // A worker that found no healthy board free in time skips its tests, saying why.
    expect(r.status).toBe('skipped');
    const why = r.annotations.find((a) => a.type === 'skip')?.description ?? '';
    expect(why).toContain('board-1: out of service since');
    expect(why).toContain('health check failed at "SSH" on board-1');
    expect(why).toMatch(/board-2: leased by .* pid \d+/);
  }
  const status = hil('rack', 'status', '--json');
  expect(status.status, status.stderr).toBe(0);
  const s = JSON.parse(status.stdout) as { boards: { id: string; state: string; outOfService: { reason: string; lastLines: string[] } | null }[] };
  const b1 = s.boards.find((b) => b.id === 'board-1')!;
  expect(b1.state).toBe('out-of-service');
  expect(b1.outOfService!.reason).toMatch(/^health check failed at "SSH" on board-1: .*ECONNREFUSED/);
  expect(b1.outOfService!.lastLines.length, 'the last console lines are kept').toBeGreaterThan(0);
  expect(s.boards.find((b) => b.id === 'board-2')!.state).toBe('free');

  const back = hil('rack', 'return', 'board-1');
  expect(back.status, back.stderr).toBe(0);
  expect(back.stdout).toContain('board-1 is back in service');
  const after = JSON.parse(hil('rack', 'status', '--json').stdout) as { boards: { id: string; state: string }[] };
  expect(after.boards.map((b) => [b.id, b.state])).toEqual([
    ['board-1', 'free'],
    ['board-2', 'free'],
  ]);
});

test('with no healthy board left (one reserved at the bench, the other sick), the tests are skipped, naming each board and why', async () => {
  test.setTimeout(180_000);
  boards[1].sshd.crash();
  const reserve = hil('rack', 'reserve', '--type', TYPE, '--tags', 'bench-a', '--for', '10m', '--job', 'alice at the bench');
  expect(reserve.status, reserve.stderr).toBe(0);
  expect(reserve.stdout.trim()).toBe('board-1');
  // The wait outlasts board-2's health check and the attempt to bring it back (SSH: 4 s; an
  // attach without power: login, follower and a command, 19 s), so that board-2 is out of service by its end.
  const { code, report } = await nestedRun({ HIL_LEASE_WAIT: '45' });
  expect(code, 'skipped tests do not fail the run').toBe(0);
  expect(ran(), 'no test ran').toEqual([]);
  const results = report.suites.flatMap((s) => s.specs).map((s) => s.tests[0].results[0]);
  expect(results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  for (const r of results) {
    const why = r.annotations.find((a) => a.type === 'skip')?.description ?? '';
    // The worker's first test waited; each later one tries once more, without waiting again.
    expect(why).toMatch(/^no rackboard board (came free within \d+\.\d s|is free) \(rack store .*rack\.sqlite\):/);
    expect(why).toMatch(/board-1: reserved by .* pid \d+ \(alice at the bench\) until /);
    expect(why).toContain('board-2: out of service since');
    expect(why).toContain('health check failed at "SSH" on board-2');
  }
  expect(results.filter((r) => /came free within \d+\.\d s/.test(r.annotations.find((a) => a.type === 'skip')?.description ?? '')).length, 'tests skipped after the whole wait').toBeGreaterThan(0);
});

test('a lab fault in a test has its board checked again: dead SSH puts it out of service, and the tests go on on the other board', async () => {
  test.setTimeout(240_000);
  const pidFiles = Object.fromEntries(boards.map((b) => [b.id, path.join(b.sshd.dir, 'sshd.pid')]));
  const { report } = await nestedRun({ HIL_TEST_KILL_SSHD: JSON.stringify(pidFiles) });
  const results = Object.fromEntries(report.suites.flatMap((s) => s.specs).map((s) => [s.title, s.tests[0].results[0]]));
  const first = results['test 1'];
  expect(first.status).toBe('failed');
  const sick = first.annotations.find((a) => a.type === 'board-id')?.description;
  expect(first.annotations.find((a) => a.type === 'failure-class')?.description).toBe('lab-fault');
  const other = sick === 'board-1' ? 'board-2' : 'board-1';
  // The board went out of service when the worker ended, with the health check's reason.
  const store = new SqliteLeaseStore(path.join(work, 'rack.sqlite'));
  try {
    const snap = await store.snapshot();
    expect(snap.outOfService.map((o) => o.board)).toEqual([sick]);
    expect(snap.outOfService[0].reason).toMatch(new RegExp(`^health check failed at "SSH" on ${sick}: .*ECONNREFUSED`));
    expect(snap.leases).toEqual([]);
    // Taken out by the worker that ran test 1, as it ended: not found sick later by another worker.
    const test1 = JSON.parse(fs.readFileSync(path.join(work, 'out', 'test-1.json'), 'utf8')) as { pid: number };
    expect(snap.outOfService[0].by).toContain(`pid ${test1.pid} `);
  } finally {
    await store.close();
  }
  // The other tests ran on the other board (or, finding none free in time, were skipped): never on the sick one.
  for (const t of ['test 2', 'test 3', 'test 4']) {
    const r = results[t];
    if (r.status === 'skipped') continue;
    expect(r.status, t).toBe('passed');
    const on = r.annotations.find((a) => a.type === 'board-id')?.description;
    if (on === sick) expect(Date.parse(r.startTime), `${t} ran on ${sick} before test 1's fault only`).toBeLessThan(Date.parse(first.startTime));
    else expect(on).toBe(other);
  }
});

test('a board left unbootable by a test is recovered by its recovery command and the next test runs on it; one unbootable when leased is recovered first', async () => {
  // The shell after test 1's recovery is the board's second: test 1's power cycle killed the
  // first, and a power-on must give a working shell however the last one died.
  test.setTimeout(300_000);
  const peer = await startLocalRackBoard('board-3', work, { switchable: true });
  boards.push(peer);
  // The recovery command: a small script that refuses a powered board and makes it bootable again.
  const ran = path.join(work, 'recoveries.log');
  const script = path.join(work, 'reimage');
  fs.writeFileSync(script, `#!/bin/sh\n[ -f ${peer.dir}/powered ] && { echo "$HIL_BOARD is powered" >&2; exit 3; }\nrm -f ${peer.dir}/unbootable\necho "$HIL_BOARD" >> ${ran}\necho "re-imaged $HIL_BOARD"\n`, { mode: 0o755 });
  const entry = { ...peer.entry(TYPE, ['bench-c']), power: peer.power, recovery: `${script} --image pristine.img`, timeouts: { boot: 8_000, login: 6_000 } };
  fs.writeFileSync(path.join(work, 'inventory.json'), JSON.stringify({ boards: [entry] }, null, 2));
  fs.writeFileSync(path.join(peer.dir, 'unbootable'), '');
  const { report } = await nestedRun({ HIL_TEST_BRICK: JSON.stringify({ 'board-3': peer.dir }) });
  const results = Object.fromEntries(report.suites.flatMap((s) => s.specs).map((s) => [s.title, s.tests[0].results[0]]));
  const first = results['test 1'];
  expect(first.status).toBe('failed');
  expect(first.annotations.find((a) => a.type === 'failure-class')?.description).toBe('product-failure');
  const recovered = first.annotations.find((a) => a.type === 'board-recovered')?.description ?? '';
  expect(recovered).toMatch(/^board-3 brought back after health check failed at "(console answers|login)" on board-3: .*\(steps: attach: no-answer → power-cycle: no-slot-boots → recover\); recovery took \d+\.\d s, last output: re-imaged board-3$/);
  for (const t of ['test 2', 'test 3', 'test 4']) {
    expect(results[t].status, t).toBe('passed');
    expect(results[t].annotations.find((a) => a.type === 'board-id')?.description).toBe('board-3');
  }
  // Recovered twice (when first leased, after test 1), each time while off; never out of service.
  expect(fs.readFileSync(ran, 'utf8')).toBe('board-3\nboard-3\n');
  const store = new SqliteLeaseStore(path.join(work, 'rack.sqlite'));
  try {
    const snap = await store.snapshot();
    expect(snap.outOfService).toEqual([]);
    expect(snap.leases).toEqual([]);
  } finally {
    await store.close();
  }
});

test('a board left unbootable goes out of service when it has no recovery command (naming boards[].recovery) or its recovery fails (naming the program only)', async () => {
  test.setTimeout(300_000);
  const peers = [await startLocalRackBoard('board-4', work, { switchable: true }), await startLocalRackBoard('board-5', work, { switchable: true })];
  boards.push(...peers);
  const flash = path.join(work, 'flash-fails');
  fs.writeFileSync(flash, '#!/bin/sh\necho "no ROM boot on ttyACM0" >&2\nexit 2\n', { mode: 0o755 });
  const entries = [
    { ...peers[0].entry(TYPE), power: peers[0].power, timeouts: { boot: 4_000, login: 3_000 } },
    { ...peers[1].entry(TYPE), power: peers[1].power, recovery: `${flash} --token s3cret`, timeouts: { boot: 4_000, login: 3_000 } },
  ];
  fs.writeFileSync(path.join(work, 'inventory.json'), JSON.stringify({ boards: entries }, null, 2));
  // Both boards start powered and bootable; the first test on each leaves it unbootable.
  for (const p of peers) execFileSync('sh', ['-c', p.power!.on]);
  const { report } = await nestedRun({ HIL_LEASE_WAIT: '3', HIL_TEST_BRICK: JSON.stringify(Object.fromEntries(peers.map((p) => [p.id, p.dir]))) });
  const results = report.suites.flatMap((s) => s.specs).map((s) => s.tests[0].results[0]);
  const failed = results.filter((r) => r.status === 'failed');
  expect(failed.length, 'one failed test per board').toBe(2);
  const store = new SqliteLeaseStore(path.join(work, 'rack.sqlite'));
  try {
    const snap = await store.snapshot();
    const reasons = Object.fromEntries(snap.outOfService.map((o) => [o.board, o.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['board-4', 'board-5']);
    expect(reasons['board-4']).toContain('board-4 is out of service: it boots no slot (powered, no shell within its boot budget), and it has no recovery command in the lab inventory (boards[].recovery)');
    expect(reasons['board-5']).toContain(`not brought back: recovery of board-5 (${flash}) exited with 2: no ROM boot on ttyACM0`);
    expect(JSON.stringify(snap.outOfService)).not.toContain('s3cret');
    for (const r of failed) expect(r.annotations.find((a) => a.type === 'board-out-of-service')?.description).toMatch(/^board-[45]: health check failed at/);
  } finally {
    await store.close();
  }
  for (const r of results) if (r.status !== 'failed') expect(r.status).toBe('skipped');
});
