import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { powerFromProfile } from './power-from-profile.ts';
import { CommandPower } from './command-power.ts';
import { noPower } from './power-driver.ts';

test('a profile names its power driver: none, or commands that learn the board from HIL_BOARD', async ({}, testInfo) => {
  expect(powerFromProfile({ name: 'sama5d2', power: { driver: 'none' } })).toBe(noPower);
  const outlet = testInfo.outputPath('outlet');
  const power = powerFromProfile({ name: 'sama5d2', power: { driver: 'command', on: `echo "on $HIL_BOARD" > ${outlet}`, off: `echo off > ${outlet}` } });
  expect(power).toBeInstanceOf(CommandPower);
  expect(power.canCut).toBe(true);
  await power.on();
  expect(fs.readFileSync(outlet, 'utf8')).toBe('on sama5d2\n');
  expect(() => powerFromProfile({ name: 'bbgw', power: { driver: 'qemu' } })).toThrow('bbgw: power.driver "qemu" is not a rack board\'s driver (expected "none" or "command")');
});
