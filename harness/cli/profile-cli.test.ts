import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { hil, scratchDir } from './spawn-hil.ts';

// `hil profile check` on profiles that break in ways the schema cannot see: a module that throws
// or never settles, a literal password; and the warnings a check gives without failing.

const FP = 'SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0';

function profile(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'clitest',
    deviceId: '012359551bf18eba',
    serial: { port: '/dev/ttyUSB0' },
    login: { user: 'root', password: { none: true } },
    ssh: { host: 'board.lab', user: 'root', privateKey: '/nonexistent/keys/id', hostKeyFingerprint: FP },
    slots: { A: '/dev/mmcblk0p2', B: '/dev/mmcblk0p3', active: { method: 'cmdline' } },
    userData: ['/afero_nv'],
    logs: { command: 'tail -n0 -F /var/log/messages', sinceBootCommand: 'tail -n +1 -F /var/log/messages' },
    timeouts: { boot: 1, download: 1, validate: 1, install: 1, reboot: 1, confirm: 1 },
    ...change,
  };
}

let scratch: ReturnType<typeof scratchDir>;
test.beforeEach(() => {
  scratch = scratchDir();
  fs.writeFileSync(path.join(scratch.dir, 'package.json'), '{"type": "module"}');
});
test.afterEach(() => scratch.remove());

function write(name: string, text: string): string {
  const f = path.join(scratch.dir, name);
  fs.writeFileSync(f, text);
  return f;
}

// No inventory of the project's: HIL_INVENTORY points at an empty one.
const env = () => ({ ...process.env, HIL_INVENTORY: write('inventory.json', '{}'), HIL_CLITEST_PASSWORD: undefined });

test('a profile module that throws something not an Error is named with what it threw (exit 2)', async () => {
  const f = write('throws.ts', "throw 'the lab is closed';\nexport default {};\n");
  const r = await hil(['profile', 'check', f], { env: env() });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trim()).toBe(`${f}: cannot load the profile module: the lab is closed`);
});

test('a profile module that never settles fails after --timeout, naming the file (exit 2)', async () => {
  const f = write('never.ts', 'await new Promise(() => {});\nexport default {};\n');
  const r = await hil(['profile', 'check', f, '--timeout', '0.5'], { env: env() });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trim()).toBe(`${f}: the profile module did not finish loading within 0.5 s (a top-level await or a default export that never settles?)`);
  expect(r.ms).toBeLessThan(10_000);
});

test('a literal password in a profile is refused without being shown', async () => {
  const f = write('literal.ts', `export default ${JSON.stringify(profile({ login: { user: 'root', password: 'Hunter2-literal' } }))};\n`);
  const r = await hil(['profile', 'check', f], { env: env() });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('login.password: expected one of {env: "VARIABLE"}');
  expect(r.stdout + r.stderr).not.toContain('Hunter2-literal');
});

test('an unset password variable and a missing key file are warnings: exit 0', async () => {
  const f = write('warn.ts', `export default ${JSON.stringify(profile({ login: { user: 'root', password: { env: 'HIL_CLITEST_PASSWORD' } } }))};\n`);
  const r = await hil(['profile', 'check', f], { env: env() });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain(`${f}: ok: clitest`);
  expect(r.stderr.trim().split('\n')).toEqual([
    `${f}: warning: login.password: the environment variable HIL_CLITEST_PASSWORD is not set (set it, empty for no password)`,
    `${f}: warning: ssh.privateKey: /nonexistent/keys/id does not exist (ENOENT)`,
  ]);
});

test('with a rack inventory, the profile is checked as applied to every board: one line per board, each problem naming the board and its field', async () => {
  const f = write('clitest.ts', `export default ${JSON.stringify(profile({ ssh: { user: 'root', privateKey: '/nonexistent/keys/id', hostKeyFingerprint: FP } }))};\n`);
  const board = (id: string, ssh: Record<string, unknown>) => ({ id, type: 'clitest', serial: { port: `/dev/ttyUSB-${id}` }, ssh, deviceId: '012359551bf18eba' });
  const good = write('rack.json', JSON.stringify({ boards: [board('clitest-1', { host: '10.20.0.7' }), board('clitest-2', { host: '10.20.0.8', port: 2222 })] }));
  const ok = await hil(['profile', 'check', f, '--inventory', good], { env: env() });
  expect(ok.status, ok.stderr).toBe(0);
  expect(ok.stdout.trim().split('\n')).toEqual([
    'clitest-1: ok: clitest, serial /dev/ttyUSB-clitest-1, ssh root@10.20.0.7:22, deviceId 012359551bf18eba',
    'clitest-2: ok: clitest, serial /dev/ttyUSB-clitest-2, ssh root@10.20.0.8:2222, deviceId 012359551bf18eba',
  ]);
  expect(ok.stderr, 'warnings name the board and field').toContain('clitest-2: warning: boards[1].ssh.privateKey: /nonexistent/keys/id does not exist');

  // The same from HIL_INVENTORY, with one board bad in two fields: each line names the board and its field.
  const bad = write('rack-bad.json', JSON.stringify({ boards: [board('clitest-1', { host: '10.20.0.7' }), board('clitest-2', { host: '10.20.0.8', port: 'ssh' }), { ...board('clitest-3', {}), deviceId: 42 }] }));
  const r = await hil(['profile', 'check', f], { env: { ...env(), HIL_INVENTORY: bad } });
  expect(r.status).toBe(2);
  expect(r.stdout.trim()).toBe('clitest-1: ok: clitest, serial /dev/ttyUSB-clitest-1, ssh root@10.20.0.7:22, deviceId 012359551bf18eba');
  const problems = r.stderr.split('\n').filter((l) => !l.includes(': warning: '));
  expect(problems).toContainEqual(expect.stringMatching(/^clitest-2: boards\[1\]\.ssh\.port: expected .*found "ssh"/));
  expect(problems).toContainEqual(expect.stringMatching(/^clitest-3: boards\[2\]\.ssh\.host: missing/));
  expect(problems).toContainEqual(expect.stringMatching(/^clitest-3: boards\[2\]\.deviceId: expected /));
});
