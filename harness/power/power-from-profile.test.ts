import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { powerFromProfile, effectiveCapabilities, withPowerCapabilities } from './power-from-profile.ts';
import { CommandPower } from './command-power.ts';
import { PduDaemonPower } from './drivers/pdudaemon.ts';
import { noPower } from './power-driver.ts';
import { powerDriverNames } from './drivers/registry.ts';
import { loadProfile } from '../board/load-profile.ts';

test('a profile names its power driver from the registry: none, commands that learn the board from HIL_BOARD, a PDUDaemon outlet', async ({}, testInfo) => {
  expect(powerDriverNames).toEqual(['none', 'qemu', 'command', 'pdudaemon']);
  expect(powerFromProfile({ name: 'sama5d2', power: { driver: 'none' } })).toBe(noPower);
  const outlet = testInfo.outputPath('outlet');
  const power = powerFromProfile({ name: 'sama5d2', power: { driver: 'command', on: `echo "on $HIL_BOARD" > ${outlet}`, off: `echo off > ${outlet}` } }, 'sama5d2-2');
  expect(power).toBeInstanceOf(CommandPower);
  expect(power.canCut).toBe(true);
  await power.on();
  expect(fs.readFileSync(outlet, 'utf8'), 'the rack id, not the type, names the board').toBe('on sama5d2-2\n');
  const pdu = powerFromProfile({ name: 'bbgw', power: { driver: 'pdudaemon', url: 'http://ops:s3cret@127.0.0.1:16421/pdu/', hostname: 'pdu1', port: 3 } });
  expect(pdu).toBeInstanceOf(PduDaemonPower);
  expect((pdu as PduDaemonPower).where, 'the URL messages show has no credentials').toBe('http://127.0.0.1:16421/pdu');
  expect(() => powerFromProfile({ name: 'bbgw', power: { driver: 'qemu' } })).toThrow('bbgw: power.driver "qemu" is made by the virtual board\'s fixture');
});

test('power-cut follows from the driver: added when it can cut, dropped when it cannot, whatever the profile lists', () => {
  expect(effectiveCapabilities({ power: { driver: 'command', on: 'a', off: 'b' }, capabilities: [] })).toEqual(['power-cut']);
  expect(effectiveCapabilities({ power: { driver: 'pdudaemon', url: 'http://h:1', hostname: 'p', port: 1 }, capabilities: ['rollback'] })).toEqual(['power-cut', 'rollback']);
  expect(effectiveCapabilities({ power: { driver: 'qemu' }, capabilities: ['rollback'] })).toEqual(['power-cut', 'rollback']);
  expect(effectiveCapabilities({ power: { driver: 'none' }, capabilities: ['power-cut', 'rollback'] })).toEqual(['rollback']);
  const p = { name: 'virtual', power: { driver: 'none' as const }, capabilities: ['power-cut' as const] };
  expect(withPowerCapabilities(p)).toEqual({ name: 'virtual', power: { driver: 'none' }, capabilities: [] });
});

test("a rack board of boards/sama5d2.ts (no capabilities of its own) can be cut once its inventory entry names a PDUDaemon outlet", async () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const FP = 'SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0';
  const fields = { deviceId: '012359551bf18eba', ssh: { host: '10.20.0.7', privateKey: '/lab/keys/rack1', hostKeyFingerprint: FP } };
  const load = async (power?: object) => (await loadProfile('boards/sama5d2.ts', { projectRoot: root, env: {}, inventoryEntry: { board: 'sama5d2-2', fields: { ...fields, ...(power ? { power } : {}) } } })).profile;
  expect(withPowerCapabilities(await load()).capabilities, 'on its bench supply').not.toContain('power-cut');
  const cuttable = withPowerCapabilities(await load({ driver: 'pdudaemon', url: 'http://lab-host:16421', hostname: 'pdu1', port: 3 }));
  expect(cuttable.capabilities).toContain('power-cut');
});
