import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { waitForPath } from './wait-for-path.ts';

test('resolves when the file appears, or at once when it is already there', async ({}, testInfo) => {
  const dir = testInfo.outputPath('w');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'sock');
  const pending = waitForPath(file, { timeoutMs: 5000, what: 'test socket' });
  fs.writeFileSync(file, '');
  await pending;
  await waitForPath(file, { timeoutMs: 100, what: 'test socket' });
});

test('fails at the timeout naming the file, and at once when the creator died', async ({}, testInfo) => {
  const dir = testInfo.outputPath('w');
  fs.mkdirSync(dir);
  await expect(waitForPath(path.join(dir, 'never'), { timeoutMs: 200, what: 'QEMU QMP socket' })).rejects.toThrow(`QEMU QMP socket: ${path.join(dir, 'never')} did not appear within 200 ms`);
  let dead = false;
  const pending = waitForPath(path.join(dir, 'never'), { timeoutMs: 10_000, what: 'socat pty', failed: () => (dead ? 'socat exited: no such device' : undefined) });
  dead = true;
  fs.writeFileSync(path.join(dir, 'other'), ''); // any change in the folder makes it look again
  await expect(pending).rejects.toThrow('socat pty: socat exited: no such device');
});
