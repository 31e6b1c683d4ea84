import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { addTwinToInventory, removeTwinFromInventory } from './twin-inventory.ts';
import { loadProfile } from '../board/load-profile.ts';
import { readRackInventory } from '../rack/rack-inventory.ts';
import type { VboardState } from './run-state.ts';

const fingerprint = `SHA256:${'A'.repeat(43)}`;
const twin = (serialTcp: string): VboardState => ({
  name: 'rack1',
  pid: 1,
  serial: '/run/serial',
  ssh: { host: '127.0.0.1', port: 2222, user: 'root', key: '/keys/id_ecdsa', hostKeyFingerprint: fingerprint },
  otaService: 'http://127.0.0.1:8480',
  signingKey: '/keys/ota-signing.pem',
  twin: {
    board: 'sama5d2',
    serialTcp,
    deviceId: '0000000000005d02',
    passwordFile: '/keys/root-password',
    power: { on: 'on', off: 'off', cycle: 'cycle', status: 'status' },
    lab: { otaConf: `/run/${serialTcp}/partner-ota-conf.json`, build: 'sh make-image.sh /twin', variants: ['rootfs-no-init'] },
  },
});

test('a twin enters a lab inventory as a rack board the profile accepts, other boards kept; down removes only its own entry', async ({}, testInfo) => {
  const file = testInfo.outputPath('lab-inventory.json');
  fs.mkdirSync(testInfo.outputPath(), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ bbgw: { deviceId: '00000000000000bb' } }));
  addTwinToInventory(file, twin('127.0.0.1:3001'));
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const inv = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(inv.bbgw).toEqual({ deviceId: '00000000000000bb' });
  expect(inv.sama5d2).toEqual({
    deviceId: '0000000000005d02',
    serial: { port: '127.0.0.1:3001' },
    ssh: { host: '127.0.0.1', port: 2222, privateKey: '/keys/id_ecdsa', hostKeyFingerprint: fingerprint },
    login: { password: { file: '/keys/root-password' } },
    power: { driver: 'command', on: 'on', off: 'off', cycle: 'cycle', status: 'status' },
    capabilities: ['power-cut', 'rollback'],
  });
  expect(inv.lab, 'the OTA side for its board type').toEqual({ sama5d2: { otaConf: '/run/127.0.0.1:3001/partner-ota-conf.json', build: 'sh make-image.sh /twin', variants: ['rootfs-no-init'] } });
  // The real profile, unchanged, validates with it.
  const { profile } = await loadProfile('boards/sama5d2.ts', { env: { HIL_INVENTORY: file } });
  expect(profile.serial.port).toBe('127.0.0.1:3001');
  expect(profile.ssh.port).toBe(2222);
  expect(profile.power).toEqual({ driver: 'command', on: 'on', off: 'off', cycle: 'cycle', status: 'status' });
  expect(profile.login.password, "the twin's password file, not the profile's variable").toEqual({ file: '/keys/root-password' });

  removeTwinFromInventory(file, twin('127.0.0.1:4004')); // another twin's: left alone
  expect(JSON.parse(fs.readFileSync(file, 'utf8')).sama5d2).toBeDefined();
  removeTwinFromInventory(file, twin('127.0.0.1:3001'));
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ bbgw: { deviceId: '00000000000000bb' } });
});

test('an inventory that is not JSON is named, not overwritten', async ({}, testInfo) => {
  const file = testInfo.outputPath('broken.json');
  fs.mkdirSync(testInfo.outputPath(), { recursive: true });
  fs.writeFileSync(file, '{ "sama5d2": ');
  expect(() => addTwinToInventory(file, twin('127.0.0.1:3001'))).toThrow(`--inventory ${file}: not valid JSON`);
  expect(fs.readFileSync(file, 'utf8')).toBe('{ "sama5d2": ');
});

test('in the rack form, a twin is a board named after it, and the rack inventory reads it', async ({}, testInfo) => {
  const file = testInfo.outputPath('rack.json');
  fs.mkdirSync(testInfo.outputPath(), { recursive: true });
  const other = { id: 'sama5d2-1', type: 'sama5d2', serial: { port: 'ser2net.lab:3001' } };
  fs.writeFileSync(file, JSON.stringify({ boards: [other] }));
  addTwinToInventory(file, twin('127.0.0.1:3002'));
  const inv = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(inv.boards.map((b: { id: string }) => b.id)).toEqual(['sama5d2-1', 'rack1']);
  expect(inv.boards[1]).toMatchObject({ id: 'rack1', type: 'sama5d2', serial: { port: '127.0.0.1:3002' }, login: { password: { file: '/keys/root-password' } } });
  const { lab, ...rack } = inv;
  expect(lab.sama5d2.build).toBe('sh make-image.sh /twin');
  // harness/rack/rack-inventory.ts takes the boards (the lab section is the lab fixture's).
  expect(readRackInventory(writeJson(testInfo, rack)).boards.map((b) => b.id)).toEqual(['sama5d2-1', 'rack1']);
  removeTwinFromInventory(file, twin('127.0.0.1:3002'));
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ boards: [other] });
});

function writeJson(testInfo: { outputPath(n: string): string }, data: unknown): string {
  const f = testInfo.outputPath('rack-only.json');
  fs.writeFileSync(f, JSON.stringify(data));
  return f;
}
