import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { startLocalRackBoard } from './local-rack-board.ts';
import { NestedRackRun, resultsByTitle, resultsOf, TYPE } from './testing-fixtures/nested-rack-run.ts';

// The board fixture on a rack of two boards made of real local peers, in a real nested
// Playwright run (testing-fixtures/nested-rack-run.ts):
//  - the project runs two workers (the pool's size, harness/rack/rack-workers.ts), one per board,
//    and every test names its board (annotations, JUnit properties, nightly summary);
//  - with one board's SSH dead, that board fails its health check, goes out of service with the
//    reason, and the tests run on the other; `hil rack return` puts it back;
//  - with no healthy board free in time, the tests are skipped, naming each board and its holder;
//  - a lab fault in a test has its board checked again when the worker ends;
//  - a board a test left unbootable is recovered by its recovery command, and the next test runs on it.

let rack: NestedRackRun;

test.beforeEach(async () => {
  rack = await NestedRackRun.prepare();
});

test.afterEach(async ({}, testInfo) => {
  await rack?.finish(testInfo);
});

test('a pool of two boards runs the project on two workers, one per board, each test naming its board', async () => {
  test.setTimeout(180_000);
  const { code, report } = await rack.run();
  expect(code, rack.output()).toBe(0);
  const results = resultsOf(report);
  expect(results.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
  const rows = rack.ran();
  expect(rows).toHaveLength(4);
  // Two workers (never a third: the pool has two boards), each on its own board all along.
  const byPid = new Map<number, Set<string>>();
  for (const r of rows) byPid.set(r.pid, new Set([...(byPid.get(r.pid) ?? []), r.board]));
  expect(byPid.size, 'workers that ran tests').toBe(2);
  expect([...byPid.values()].map((s) => s.size), 'boards per worker').toEqual([1, 1]);
  expect(new Set(rows.map((r) => r.board))).toEqual(new Set(['board-1', 'board-2']));
  // The profile is the board's own: its inventory entry applied.
  for (const r of rows) expect(r.sshPort).toBe(rack.boards.find((b) => b.id === r.board)!.sshd.target.port);
  // Named in the report's annotations (with the tags), the JUnit properties and the nightly summary.
  for (const { annotations: a } of results) {
    const id = a.find((x) => x.type === 'board-id')?.description;
    expect(a.find((x) => x.type === 'board-tags')?.description).toBe(id === 'board-1' ? 'bench-a' : 'bench-b');
  }
  const junit = fs.readFileSync(rack.file('junit.xml'), 'utf8');
  expect(junit.match(/<property name="board-id" value="board-[12]">/g)).toHaveLength(4);
  const summary = JSON.parse(fs.readFileSync(rack.file('summary', 'nightly-summary.json'), 'utf8')) as { results: { board: string; boardId?: string }[] };
  expect(new Set(summary.results.map((r) => r.boardId))).toEqual(new Set(['board-1', 'board-2']));
  // Every lease was released at the end.
  const snap = await rack.rackSnapshot();
  expect(snap.leases).toEqual([]);
  expect(snap.outOfService).toEqual([]);
});

test('a board whose SSH is dead fails its health check, goes out of service, and the run goes on on the other; hil rack return puts it back', async () => {
  test.setTimeout(240_000);
  rack.boards[0].sshd.crash();
  const { report } = await rack.run();
  const rows = rack.ran();
  expect(rows.length, 'tests that ran').toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.board)), 'the boards tests ran on').toEqual(new Set(['board-2']));
  for (const r of resultsOf(report)) {
    if (r.status === 'passed') continue;
    // A worker that found no healthy board free in time skips its tests, saying why.
    expect(r.status).toBe('skipped');
    const why = r.annotations.find((a) => a.type === 'skip')?.description ?? '';
    expect(why).toContain('board-1: out of service since');
    expect(why).toContain('health check failed at "SSH" on board-1');
    expect(why).toMatch(/board-2: leased by .* pid \d+/);
  }
  const status = rack.hil('rack', 'status', '--json');
  expect(status.status, status.stderr).toBe(0);
  const s = JSON.parse(status.stdout) as { boards: { id: string; state: string; outOfService: { reason: string; lastLines: string[] } | null }[] };
  const b1 = s.boards.find((b) => b.id === 'board-1')!;
  expect(b1.state).toBe('out-of-service');
  expect(b1.outOfService!.reason).toMatch(/^health check failed at "SSH" on board-1: .*ECONNREFUSED/);
  expect(b1.outOfService!.lastLines.length, 'the last console lines are kept').toBeGreaterThan(0);
  expect(s.boards.find((b) => b.id === 'board-2')!.state).toBe('free');

  const back = rack.hil('rack', 'return', 'board-1');
  expect(back.status, back.stderr).toBe(0);
  expect(back.stdout).toContain('board-1 is back in service');
  const after = JSON.parse(rack.hil('rack', 'status', '--json').stdout) as { boards: { id: string; state: string }[] };
  expect(after.boards.map((b) => [b.id, b.state])).toEqual([
    ['board-1', 'free'],
    ['board-2', 'free'],
  ]);
});

test('with no healthy board left (one reserved at the bench, the other sick), the tests are skipped, naming each board and why', async () => {
  test.setTimeout(180_000);
  rack.boards[1].sshd.crash();
  const reserve = rack.hil('rack', 'reserve', '--type', TYPE, '--tags', 'bench-a', '--for', '10m', '--job', 'alice at the bench');
  expect(reserve.status, reserve.stderr).toBe(0);
  expect(reserve.stdout.trim()).toBe('board-1');
  // The wait outlasts board-2's health check and the attempt to bring it back (SSH: 4 s; an
  // attach without power: login, follower and a command, 19 s), so that board-2 is out of service by its end.
  const { code, report } = await rack.run({ HIL_LEASE_WAIT: '45' });
  expect(code, 'skipped tests do not fail the run').toBe(0);
  expect(rack.ran(), 'no test ran').toEqual([]);
  const results = resultsOf(report);
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
  const pidFiles = Object.fromEntries(rack.boards.map((b) => [b.id, `${b.sshd.dir}/sshd.pid`]));
  const { report } = await rack.run({ HIL_TEST_KILL_SSHD: JSON.stringify(pidFiles) });
  const results = resultsByTitle(report);
  const first = results['test 1'];
  expect(first.status).toBe('failed');
  const sick = first.annotations.find((a) => a.type === 'board-id')?.description;
  expect(first.annotations.find((a) => a.type === 'failure-class')?.description).toBe('lab-fault');
  const other = sick === 'board-1' ? 'board-2' : 'board-1';
  // The board went out of service when the worker ended, with the health check's reason.
  const snap = await rack.rackSnapshot();
  expect(snap.outOfService.map((o) => o.board)).toEqual([sick]);
  expect(snap.outOfService[0].reason).toMatch(new RegExp(`^health check failed at "SSH" on ${sick}: .*ECONNREFUSED`));
  expect(snap.leases).toEqual([]);
  // Taken out by the worker that ran test 1, as it ended: not found sick later by another worker.
  const test1 = JSON.parse(fs.readFileSync(rack.file('out', 'test-1.json'), 'utf8')) as { pid: number };
  expect(snap.outOfService[0].by).toContain(`pid ${test1.pid} `);
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
  const peer = await startLocalRackBoard('board-3', rack.work, { switchable: true });
  rack.boards.push(peer);
  // The recovery command: a small script that refuses a powered board and makes it bootable again.
  const ran = rack.file('recoveries.log');
  const script = rack.file('reimage');
  fs.writeFileSync(script, `#!/bin/sh\n[ -f ${peer.dir}/powered ] && { echo "$HIL_BOARD is powered" >&2; exit 3; }\nrm -f ${peer.dir}/unbootable\necho "$HIL_BOARD" >> ${ran}\necho "re-imaged $HIL_BOARD"\n`, { mode: 0o755 });
  rack.writeInventory([{ ...peer.entry(TYPE, ['bench-c']), power: peer.power, recovery: `${script} --image pristine.img`, timeouts: { boot: 8_000, login: 6_000 } }]);
  fs.writeFileSync(`${peer.dir}/unbootable`, '');
  const { report } = await rack.run({ HIL_TEST_BRICK: JSON.stringify({ 'board-3': peer.dir }) });
  const results = resultsByTitle(report);
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
  const snap = await rack.rackSnapshot();
  expect(snap.outOfService).toEqual([]);
  expect(snap.leases).toEqual([]);
});

test('a board left unbootable goes out of service when it has no recovery command (naming boards[].recovery) or its recovery fails (naming the program only)', async () => {
  test.setTimeout(300_000);
  const peers = [await startLocalRackBoard('board-4', rack.work, { switchable: true }), await startLocalRackBoard('board-5', rack.work, { switchable: true })];
  rack.boards.push(...peers);
  const flash = rack.file('flash-fails');
  fs.writeFileSync(flash, '#!/bin/sh\necho "no ROM boot on ttyACM0" >&2\nexit 2\n', { mode: 0o755 });
  rack.writeInventory([
    { ...peers[0].entry(TYPE), power: peers[0].power, timeouts: { boot: 4_000, login: 3_000 } },
    { ...peers[1].entry(TYPE), power: peers[1].power, recovery: `${flash} --token s3cret`, timeouts: { boot: 4_000, login: 3_000 } },
  ]);
  // Both boards start powered and bootable; the first test on each leaves it unbootable.
  for (const p of peers) execFileSync('sh', ['-c', p.power!.on]);
  const { report } = await rack.run({ HIL_LEASE_WAIT: '3', HIL_TEST_BRICK: JSON.stringify(Object.fromEntries(peers.map((p) => [p.id, p.dir]))) });
  const results = resultsOf(report);
  const failed = results.filter((r) => r.status === 'failed');
  expect(failed.length, 'one failed test per board').toBe(2);
  const snap = await rack.rackSnapshot();
  const reasons = Object.fromEntries(snap.outOfService.map((o) => [o.board, o.reason]));
  expect(Object.keys(reasons).sort()).toEqual(['board-4', 'board-5']);
  expect(reasons['board-4']).toContain('board-4 is out of service: it boots no slot (powered, no shell within its boot budget), and it has no recovery command in the lab inventory (boards[].recovery)');
  expect(reasons['board-5']).toContain(`not brought back: recovery of board-5 (${flash}) exited with 2: no ROM boot on ttyACM0`);
  expect(JSON.stringify(snap.outOfService)).not.toContain('s3cret');
  for (const r of failed) expect(r.annotations.find((a) => a.type === 'board-out-of-service')?.description).toMatch(/^board-[45]: health check failed at/);
  for (const r of results) if (r.status !== 'failed') expect(r.status).toBe('skipped');
});
