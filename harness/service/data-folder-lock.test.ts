import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startOtaService, type OtaService } from './server.ts';

// One service per data folder: a second one on the same folder, or on a busy port, touches nothing.

const services: OtaService[] = [];
test.afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function start(dataDir: string, port = 0): Promise<OtaService> {
  const s = await startOtaService({ dataDir, port });
  services.push(s);
  return s;
}

/** What a service may not touch while another one runs: the upload in progress, the state. */
function snapshot(dataDir: string): Record<string, string> {
  const files = ['accounts.json', 'partner-ota-conf.json', 'signing-key.pem', 'service.lock', 'tmp/upload-in-progress'];
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dataDir, f), 'utf8')]));
}

test('a second service on a data folder in use fails, naming the folder and the holder, and touches nothing', async ({}, testInfo) => {
  const dataDir = testInfo.outputPath('data');
  await start(dataDir);
  fs.writeFileSync(path.join(dataDir, 'tmp', 'upload-in-progress'), 'half an image');
  const before = snapshot(dataDir);
  await expect(start(dataDir)).rejects.toThrow(`the data folder ${dataDir} is in use by another lab OTA service (pid ${process.pid}, ${path.join(dataDir, 'service.lock')})`);
  expect(snapshot(dataDir)).toEqual(before);
});

test('a lock left by a process that is gone is taken over; leftovers of a crash are cleaned', async ({}, testInfo) => {
  const dataDir = testInfo.outputPath('data');
  const first = await start(dataDir);
  await first.close();
  services.pop();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dataDir, 'service.lock'), `${dead.stdout}\n`);
  fs.writeFileSync(path.join(dataDir, 'tmp', 'upload-cut-off'), 'x');
  fs.writeFileSync(path.join(dataDir, `state.json.${dead.stdout}.0badc0de.tmp`), '{"half":');
  await start(dataDir);
  expect(fs.readFileSync(path.join(dataDir, 'service.lock'), 'utf8')).toBe(`${process.pid}\n`);
  expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('a start on a busy port fails before cleaning anything, and leaves the folder unlocked', async ({}, testInfo) => {
  const busy = await start(testInfo.outputPath('a'));
  const other = testInfo.outputPath('b');
  fs.mkdirSync(path.join(other, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(other, 'tmp', 'upload-cut-off'), 'x');
  await expect(start(other, busy.port)).rejects.toThrow(`cannot listen on 127.0.0.1:${busy.port}: the port is in use`);
  expect(fs.readdirSync(path.join(other, 'tmp'))).toEqual(['upload-cut-off']);
  expect(fs.existsSync(path.join(other, 'service.lock'))).toBe(false);
  await start(other); // on a free port: the folder was left unlocked, and now it is cleaned
  expect(fs.readdirSync(path.join(other, 'tmp'))).toEqual([]);
});
