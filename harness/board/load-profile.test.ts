import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadProfile, resolvePassword, validateProfile } from './load-profile.ts';
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
  ['unknown power driver', { power: { driver: 'relay-9000' } }, 'power.driver: expected driver "none" or "qemu", found "relay-9000" (a string)'],
  ['unknown capability', { capabilities: ['teleport'] }, 'capabilities[0]: expected one of power-cut, rollback, found "teleport" (a string)'],
  ['upper-case name', { name: 'SAMA5D2' }, 'name: expected a lower-case name (letters, digits, dashes), found "SAMA5D2" (a string)'],
];

for (const [what, change, message] of malformed) {
  test(`malformed profile: ${what}`, () => {
    const msg = problemsOf(change);
    expect(msg.startsWith('boards/testboard.ts: ')).toBe(true);
    expect(msg).toContain(message);
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
  const noDefault = testInfo.outputPath('no-default.ts');
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
