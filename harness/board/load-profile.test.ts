import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadProfile, profileWarnings, resolvePassword, validateProfile } from './load-profile.ts';
import { scratchDir } from '../cli/spawn-hil.ts';
import { ProfileError } from './profile-error.ts';
import { mergeOverrides } from './inventory.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FP = 'SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0';

const lab = { deviceId: '012359551bf18eba', ssh: { host: '10.20.0.7', privateKey: '/lab/keys/rack1', hostKeyFingerprint: FP } };

function validBase(): Record<string, unknown> {
  return {
    name: 'testboard',
    deviceId: '012359551bf18eba',
    serial: { port: '/dev/ttyUSB0' },
    login: { user: 'root', password: { none: true } },
    ssh: { host: 'board.lab', user: 'root', privateKey: '/keys/id', hostKeyFingerprint: FP },
    slots: { A: '/dev/mmcblk0p2', B: '/dev/mmcblk0p3', active: { method: 'cmdline' } },
    userData: ['/afero_nv'],
    logs: { command: 'tail -n0 -F /var/log/messages', sinceBootCommand: 'tail -n +1 -F /var/log/messages' },
    timeouts: { boot: 1, download: 1, validate: 1, install: 1, reboot: 1, confirm: 1 },
  };
}

/** Applies `change` (a partial profile; undefined deletes) to a valid profile and returns the error. */
function problemsOf(change: Record<string, unknown>): string {
  const data = mergeOverrides(validBase(), change);
  const prune = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) delete o[k];
      else if (v && typeof v === 'object' && !Array.isArray(v)) prune(v as Record<string, unknown>);
    }
  };
  prune(data);
  try {
    validateProfile(data, 'boards/testboard.ts');
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return (e as Error).message;
  }
  throw new Error(`accepted a malformed profile: ${JSON.stringify(change)}`);
}

test('a valid profile gets its defaults', () => {
  const p = validateProfile(validBase(), 'x.ts');
  expect(p.serial).toEqual({ port: '/dev/ttyUSB0', baud: 115200, charDelayMs: 0 });
  expect(p.ssh.port).toBe(22);
  expect(p.power).toEqual({ driver: 'none' });
  expect(p.logs.readyProbe).toBe('logger -t ota-hil {marker}');
  expect(p.login.shellPrompt).toBe('[#$] *$');
});

const malformed: [string, Record<string, unknown>, string][] = [
  ['baud as text', { serial: { baud: 'fast' } }, 'serial.baud: expected a standard baud rate (115200, 57600, ...), found "fast" (a string)'],
  ['odd baud', { serial: { baud: 115201 } }, 'serial.baud: expected a standard baud rate'],
  ['serial address neither path nor host:port', { serial: { port: 'ttyUSB0' } }, 'serial.port: expected a device path (/dev/ttyUSB0) or host:port of a ser2net raw TCP port, found "ttyUSB0"'],
  ['missing serial port', { serial: { port: undefined } }, 'serial.port: missing; expected the serial device path'],
  ['password written into the profile', { login: { password: 'hunter2' } }, 'login.password: expected one of {env: "VARIABLE"}, {file: "/path/to/password"} or {none: true}'],
  ['broken prompt regex', { login: { shellPrompt: '([#$' } }, 'login.shellPrompt: expected a valid regular expression, found "([#$"'],
  ['ssh port out of range', { ssh: { port: 70000 } }, 'ssh.port: expected a port from 1 to 65535, found 70000 (a number)'],
  ['ssh port as text', { ssh: { port: '22' } }, 'ssh.port: expected a TCP port number, found "22" (a string)'],
  ['fingerprint in the wrong form', { ssh: { hostKeyFingerprint: 'aa:bb:cc' } }, 'ssh.hostKeyFingerprint: expected "SHA256:" and 43 base64 characters'],
  ['empty ssh host', { ssh: { host: '' } }, 'ssh.host: expected a non-empty host, found "" (a string)'],
  ['deviceId not hex', { deviceId: 'board-7' }, 'deviceId: expected 16 lower-case hex digits, found "board-7" (a string)'],
  ['relative slot device', { slots: { A: 'mmcblk0p2' } }, 'slots.A: expected the device of rootfs slot A to be an absolute path, found "mmcblk0p2"'],
  ['unknown active-slot method', { slots: { active: { method: 'guess' } } }, 'slots.active.method: expected method "cmdline", "fw_printenv" or "uenv", found "guess" (a string)'],
  ['fw_printenv without values', { slots: { active: { method: 'fw_printenv', variable: 'boot_part' } } }, 'slots.active.values: missing'],
  ['no user-data paths', { userData: [] }, 'userData: expected at least one user-data path (/afero_nv), found a list of 0'],
  ['relative user-data path', { userData: ['afero_nv'] }, 'userData[0]: expected a user-data path to be an absolute path, found "afero_nv"'],
  ['missing log command', { logs: { command: undefined } }, 'logs.command: missing; expected the command that streams the daemon logs'],
  ['missing since-boot log command', { logs: { sinceBootCommand: undefined } }, "logs.sinceBootCommand: missing; expected the command that streams this boot's daemon log from its start (e.g. tail -n +1 -F /var/log/messages)"],
  ['probe without marker', { logs: { readyProbe: 'logger hi' } }, 'logs.readyProbe: expected a command containing {marker}, found "logger hi"'],
  ['timeout of zero', { timeouts: { reboot: 0 } }, 'timeouts.reboot: expected the reboot time budget in ms, above 0, found 0 (a number)'],
  ['timeout in seconds as text', { timeouts: { boot: '2m' } }, 'timeouts.boot: expected the boot time budget in ms (a positive whole number), found "2m" (a string)'],
  ['misspelt field', { serial: { buad: 115200 } }, 'serial: unknown field buad (misspelt? see the profile schema)'],
  ['unknown power driver', { power: { driver: 'relay-9000' } }, 'power.driver: expected driver "none", "qemu", "command" or "pdudaemon", found "relay-9000" (a string)'],
  ['a command power driver without its off command', { power: { driver: 'command', on: 'uhubctl -a on' } }, 'power.off: missing; expected the shell command that switches the board off'],
  ['a blank power-on command', { power: { driver: 'command', on: '  ', off: 'uhubctl -a off' } }, 'power.on: expected the shell command that switches the board on'],
  ['a pdudaemon outlet without its port', { power: { driver: 'pdudaemon', url: 'http://lab:16421', hostname: 'pdu1' } }, 'power.port: missing; expected the PDU outlet number'],
  ['a pdudaemon URL that is not http', { power: { driver: 'pdudaemon', url: 'lab:16421', hostname: 'pdu1', port: 3 } }, 'power.url: expected the http:// URL of the PDUDaemon listener (e.g. http://lab-host:16421)'],
  ['a pdudaemon field of another driver', { power: { driver: 'pdudaemon', url: 'http://lab:16421', hostname: 'pdu1', port: 3, on: 'x' } }, 'power: unknown field on'],
  ['unknown capability', { capabilities: ['teleport'] }, 'capabilities[0]: expected one of power-cut, rollback, found "teleport" (a string)'],
  ['upper-case name', { name: 'SAMA5D2' }, 'name: expected a lower-case name (letters, digits, dashes), found "SAMA5D2" (a string)'],
  // Accepted until now, and each would fail a run later, far from its cause:
  ['both slots on one device', { slots: { B: '/dev/mmcblk0p2' } }, 'slots.B: expected a device other than slots.A (/dev/mmcblk0p2), found "/dev/mmcblk0p2" (a string)'],
  ['both slots read as one value', { slots: { active: { method: 'fw_printenv', variable: 'boot_part', values: { A: '2', B: '2' } } } }, 'slots.active.values.B: expected a value other than values.A ("2"), found "2" (a string)'],
  ['a timeout Node cannot hold', { timeouts: { install: 2 ** 31 } }, 'timeouts.install: expected the install time budget in ms, at most 2147483647 (about 24.8 days; Node fires a longer timer at once), found 2147483648 (a number)'],
  ['a capability twice', { capabilities: ['rollback', 'power-cut', 'rollback'] }, 'capabilities: expected each capability once, found rollback twice'],
  ['a blank ssh host', { ssh: { host: '   ' } }, 'ssh.host: expected a non-blank host, found "   " (a string)'],
  ['a blank key path', { ssh: { privateKey: ' \t' } }, 'ssh.privateKey: expected a non-blank key path, found " \\t" (a string)'],
  ['a blank user', { ssh: { user: ' ' } }, 'ssh.user: expected a non-blank user name, found " " (a string)'],
  ['user data at the root', { userData: ['/'] }, 'userData[0]: expected a user-data path other than / (an update replaces the root file system), found "/" (a string)'],
  ['user data that resolves to the root', { userData: ['/afero_nv', '/afero_nv/..'] }, 'userData[1]: expected a user-data path other than /'],
  ['the same user-data path twice', { userData: ['/afero_nv', '/afero_nv/'] }, 'userData: expected each path once, found /afero_nv twice'],
  ['a password written as a literal is not shown', { login: { password: 'hunter2-literal' } }, 'login.password: expected one of {env: "VARIABLE"}, {file: "/path/to/password"} or {none: true} (the password itself never goes in a profile), found a value that is not shown (a string: it may be a secret)'],
];

test('a command power driver with its commands is a valid profile', () => {
  const p = validateProfile(mergeOverrides(validBase(), { power: { driver: 'command', on: 'uhubctl -a on', off: 'uhubctl -a off', timeoutMs: 10_000 } }), 'x.ts');
  expect(p.power, 'the power driver as given').toEqual({ driver: 'command', on: 'uhubctl -a on', off: 'uhubctl -a off', timeoutMs: 10_000 });
});

test('a pdudaemon outlet is a valid profile', () => {
  const power = { driver: 'pdudaemon', url: 'http://lab-host:16421', hostname: 'pdu1', port: 3, delay: 10 };
  expect(validateProfile(mergeOverrides(validBase(), { power }), 'x.ts').power, 'the power driver as given').toEqual(power);
});

for (const [what, change, message] of malformed) {
  test(`malformed profile: ${what}`, () => {
    const msg = problemsOf(change);
    expect(msg.startsWith('boards/testboard.ts: ')).toBe(true);
    expect(msg).toContain(message);
    expect(msg).not.toContain('hunter2-literal');
  });
}

test('several problems are all listed, one line each', () => {
  const msg = problemsOf({ serial: { baud: 'x' }, ssh: { port: 0 }, deviceId: 'no' });
  expect(msg).toMatch(/^boards\/testboard\.ts: 3 problems:\n {2}deviceId: .*\n {2}serial\.baud: .*\n {2}ssh\.port: /);
});

function writeInventory(testInfo: { outputPath(n: string): string }, data: unknown): string {
  const f = testInfo.outputPath('inventory.json');
  fs.writeFileSync(f, typeof data === 'string' ? data : JSON.stringify(data));
  return f;
}

test('the real profiles load once the lab inventory gives the lab values', async ({}, testInfo) => {
  const inv = writeInventory(testInfo, { sama5d2: lab, bbgw: { ...lab, serial: { port: 'ser2net.lab:3002' } } });
  const s = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv } });
  expect(s.profile).toMatchObject({ name: 'sama5d2', deviceId: lab.deviceId, ssh: { host: '10.20.0.7', user: 'root', port: 22 }, serial: { port: '/dev/ttyACM0' } });
  expect(s.overriddenBy).toEqual([inv]);
  const b = await loadProfile('boards/bbgw.ts', { projectRoot: root, env: { HIL_INVENTORY: inv } });
  expect(b.profile.serial.port).toBe('ser2net.lab:3002');
  expect(b.profile.slots.active).toMatchObject({ method: 'uenv', values: { A: '0:3', B: '0:4' } });
});

test('environment variables win over the inventory and are named in overriddenBy', async ({}, testInfo) => {
  const inv = writeInventory(testInfo, { sama5d2: lab });
  const env = { HIL_INVENTORY: inv, HIL_SAMA5D2_SSH_HOST: '127.0.0.1', HIL_SAMA5D2_SSH_PORT: '2222', HIL_SAMA5D2_SERIAL: '/dev/ttyUSB3' };
  const { profile, overriddenBy } = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env });
  expect(profile.ssh).toMatchObject({ host: '127.0.0.1', port: 2222 });
  expect(profile.serial.port).toBe('/dev/ttyUSB3');
  expect(overriddenBy).toEqual([inv, 'HIL_SAMA5D2_SERIAL', 'HIL_SAMA5D2_SSH_HOST', 'HIL_SAMA5D2_SSH_PORT']);
});

test('without lab values, the error says which variable or inventory entry to set', async () => {
  const err = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: {} }).catch((e) => e);
  expect(err).toBeInstanceOf(ProfileError);
  expect(err.message).toContain('ssh.host: missing; expected the board\'s SSH host name or address (set it in the lab inventory or with HIL_SAMA5D2_SSH_HOST)');
  expect(err.message).toContain('deviceId: missing');
});

test('a bad inventory or profile file is named with what is wrong', async ({}, testInfo) => {
  const notJson = writeInventory(testInfo, '{ "sama5d2": ');
  await expect(loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: notJson } })).rejects.toThrow(new RegExp(`^${notJson}: the lab inventory is not valid JSON`));
  const badEntry = writeInventory(testInfo, { sama5d2: 'rack 3' });
  await expect(loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: badEntry } })).rejects.toThrow('sama5d2: expected an object of profile fields, found "rack 3"');
  await expect(loadProfile('boards/nope.ts', { projectRoot: root, env: {} })).rejects.toThrow('boards/nope.ts: no such profile file');
  // .mts: an ES module wherever the output folder is (--output outside the project has no package.json saying "module").
  const noDefault = testInfo.outputPath('no-default.mts');
  fs.writeFileSync(noDefault, 'export const x = 1;\n');
  await expect(loadProfile(noDefault, { env: {} })).rejects.toThrow('expected a default export with the profile');
});

function withPassword(source: unknown): Record<string, unknown> {
  const base = validBase();
  base.login = { user: 'root', password: source };
  return base;
}

test('the password comes from its source and is never part of the profile', async ({}, testInfo) => {
  const p = validateProfile(withPassword({ env: 'BOARD_PW' }), 'x.ts');
  expect(JSON.stringify(p)).not.toContain('s3cret');
  expect(resolvePassword(p, { BOARD_PW: 's3cret' })).toBe('s3cret');
  expect(() => resolvePassword(p, {})).toThrow('login.password: the environment variable BOARD_PW is not set');
  const f = testInfo.outputPath('pw');
  fs.writeFileSync(f, 'from-file\n');
  expect(resolvePassword(validateProfile(withPassword({ file: f }), 'x.ts'))).toBe('from-file');
  expect(resolvePassword(validateProfile(validBase(), 'x.ts'))).toBe('');
});

test("the inventory's password source replaces the profile's whole (one of env, file, none), and the lab section is not taken for a board", async ({}, testInfo) => {
  const pw = testInfo.outputPath('root-password');
  fs.mkdirSync(path.dirname(pw), { recursive: true });
  fs.writeFileSync(pw, 'twin-secret\n', { mode: 0o600 });
  // boards/sama5d2.ts says {env: HIL_SAMA5D2_PASSWORD}; a twin's entry names a file.
  const inv = writeInventory(testInfo, { sama5d2: { ...lab, login: { password: { file: pw } } }, lab: { sama5d2: { build: 'make-image' } } });
  const { profile } = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv } });
  expect(profile.login.password).toEqual({ file: pw });
  expect(profile.login.user, 'the rest of login is still merged').toBe('root');
  expect(resolvePassword(profile, {})).toBe('twin-secret');
  const none = validateProfile(mergeOverrides(withPassword({ env: 'BOARD_PW' }), { login: { password: { none: true } } }), 'x.ts');
  expect(none.login.password).toEqual({ none: true });
});

test('hil profile check prints ok with the lab values, or every problem with exit 2', ({}, testInfo) => {
  const inv = writeInventory(testInfo, { sama5d2: lab });
  const ok = execFileSync('node', ['bin/hil.js', 'profile', 'check', 'boards/sama5d2.ts'], { cwd: root, env: { ...process.env, HIL_INVENTORY: inv } }).toString();
  expect(ok).toContain(`boards/sama5d2.ts: ok: sama5d2, serial /dev/ttyACM0, ssh root@10.20.0.7:22, deviceId 012359551bf18eba (lab values from ${inv})`);
  let status = 0;
  let stderr = '';
  try {
    execFileSync('node', ['bin/hil.js', 'profile', 'check', 'boards/bbgw.ts'], { cwd: root, stdio: 'pipe', env: { ...process.env, HIL_INVENTORY: inv } });
  } catch (e) {
    status = (e as { status: number }).status;
    stderr = (e as { stderr: Buffer }).stderr.toString();
  }
  expect(status).toBe(2);
  expect(stderr).toContain('HIL_BBGW_SSH_HOST');
});

const malformedInventories: [string, string, string][] = [
  ['a board type that has no profile (misspelt)', JSON.stringify({ sama5d2: lab, sama5d3: lab }), 'sama5d3: expected the name of a board profile (bbgw, sama5d2, virtual), found an unknown board (misspelt?)'],
  ['a __proto__ key', '{"sama5d2": {"__proto__": {"deviceId": "0123456789abcdef"}, "ssh": {"host": "10.0.0.1"}}}', 'sama5d2.__proto__: expected profile fields, found "__proto__" (it cannot be one)'],
  ['a __proto__ board', '{"__proto__": {"deviceId": "0123456789abcdef"}, "sama5d2": {}}', '__proto__: expected the name of a board profile'],
  ['a nested constructor key', JSON.stringify({ sama5d2: { ssh: { constructor: { x: 1 } } } }), 'sama5d2.ssh.constructor: expected profile fields, found "constructor" (it cannot be one)'],
];

for (const [what, text, message] of malformedInventories) {
  test(`malformed inventory: ${what}`, async ({}, testInfo) => {
    const inv = writeInventory(testInfo, text);
    const err = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv } }).catch((e) => e);
    expect(err).toBeInstanceOf(ProfileError);
    expect(err.message).toContain(`${inv}: `);
    expect(err.message).toContain(message);
  });
}

test('the rack form of the inventory ({"boards": [...]}) is not taken for a board named "boards"', async ({}, testInfo) => {
  const inv = writeInventory(testInfo, { boards: [], sama5d2: lab });
  const { profile } = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv } });
  expect(profile.deviceId).toBe(lab.deviceId);
});

test("a rack board's own entry is applied instead of the per-type one, named in overriddenBy and in its errors", async ({}, testInfo) => {
  // The per-type entry says 10.20.0.7; the rack board's entry another host: the board's wins.
  const inv = writeInventory(testInfo, { sama5d2: lab });
  const board = { deviceId: '00000000000000b2', ssh: { host: '10.20.0.8', privateKey: '/lab/keys/rack2', hostKeyFingerprint: FP } };
  const { profile, overriddenBy } = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv }, inventoryEntry: { board: 'sama5d2-2', fields: board } });
  expect(profile.ssh.host).toBe('10.20.0.8');
  expect(profile.deviceId).toBe('00000000000000b2');
  expect(overriddenBy).toEqual([`${inv} board sama5d2-2`]);
  const err = await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: { HIL_INVENTORY: inv }, inventoryEntry: { board: 'sama5d2-3', fields: { ...board, deviceId: 'xyz' } } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProfileError);
  expect((err as Error).message).toContain(`${inv} board sama5d2-3`);
  expect((err as Error).message).toContain('deviceId');
});

/** A profile module in a folder of its own (an ES module package, so top-level await works). */
function profileModule(dir: string, name: string, text: string): string {
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const brokenModules: [string, string, RegExp][] = [
  ['throws an Error', "throw new Error('no lab here');\nexport default {};\n", /: cannot load the profile module: no lab here$/],
  ['throws a string', "throw 'not an Error';\nexport default {};\n", /: cannot load the profile module: not an Error$/],
  ['throws undefined', 'throw undefined;\nexport default {};\n', /: cannot load the profile module: undefined was thrown$/],
  ['has a default export that rejects', "export default Promise.reject(new Error('lab values unavailable'));\n", /: the profile module's default export failed: lab values unavailable$/],
];

for (const [what, text, message] of brokenModules) {
  test(`a profile module that ${what} is named with the error`, async () => {
    const scratch = scratchDir();
    try {
      const f = profileModule(scratch.dir, 'broken.ts', text);
      const err = await loadProfile(f, { env: {} }).catch((e) => e);
      expect(err).toBeInstanceOf(ProfileError);
      expect(err.message.startsWith(`${f}: `)).toBe(true);
      expect(err.message).toMatch(message);
    } finally {
      scratch.remove();
    }
  });
}

test('a profile module that never settles fails after the bounded time, naming the file', async () => {
  const scratch = scratchDir();
  try {
    const tla = profileModule(scratch.dir, 'tla.ts', 'await new Promise(() => {});\nexport default {};\n');
    const never = profileModule(scratch.dir, 'never.ts', 'export default new Promise(() => {});\n');
    for (const f of [tla, never]) {
      const t0 = Date.now();
      const err = await loadProfile(f, { env: {}, loadTimeoutMs: 300 }).catch((e) => e);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(err).toBeInstanceOf(ProfileError);
      expect(err.message).toBe(`${f}: the profile module did not finish loading within 0.3 s (a top-level await or a default export that never settles?)`);
    }
    // A default export that settles in time is the profile.
    const later = profileModule(scratch.dir, 'later.ts', `export default new Promise((r) => setTimeout(() => r(${JSON.stringify({ ...validBase(), name: 'later' })}), 10));\n`);
    expect((await loadProfile(later, { env: {} })).profile.name).toBe('later');
  } finally {
    scratch.remove();
  }
});

test('profileWarnings: an unset password variable or a missing key file is a warning, not an error', ({}, testInfo) => {
  const p = validateProfile(withPassword({ env: 'BOARD_PW' }), 'x.ts');
  expect(profileWarnings(p, {})).toEqual(['login.password: the environment variable BOARD_PW is not set (set it, empty for no password)', 'ssh.privateKey: /keys/id does not exist (ENOENT)']);
  const key = testInfo.outputPath('id');
  fs.writeFileSync(key, 'k');
  const pw = testInfo.outputPath('pw');
  const q = validateProfile(mergeOverrides(withPassword({ file: pw }), { ssh: { privateKey: key } }), 'x.ts');
  expect(profileWarnings(q, {})).toEqual([`login.password: cannot read ${pw} (ENOENT)`]);
  fs.writeFileSync(pw, 'secret');
  expect(profileWarnings(q, {})).toEqual([]);
  expect(profileWarnings(validateProfile(mergeOverrides(withPassword({ env: 'BOARD_PW' }), { ssh: { privateKey: key } }), 'x.ts'), { BOARD_PW: '' })).toEqual([]);
});
