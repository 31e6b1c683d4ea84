import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFileAtomic } from './write-file-atomic.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('replaces the content whole, with the mode asked, and leaves no temporary file', async ({}, testInfo) => {
  const dir = testInfo.outputPath('d');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'f.json');
  fs.writeFileSync(file, 'old');
  const big = Buffer.alloc(8 << 20, 'x');
  writeFileAtomic(file, big, 0o600);
  expect(fs.readFileSync(file).equals(big)).toBe(true);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir)).toEqual(['f.json']);
});

test('a write the disk refuses throws, keeps the old content and removes its temporary file', async ({}, testInfo) => {
  const dir = testInfo.outputPath('d');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'state.json');
  fs.writeFileSync(file, 'old');
  // A real refused write without filling a disk: the kernel's file-size limit (RLIMIT_FSIZE) on
  // a child process makes its writes past 8 KiB fail (EFBIG), as ENOSPC does on a full disk.
  const script = `import { writeFileAtomic } from './harness/fs/write-file-atomic.ts';
try { writeFileAtomic(${JSON.stringify(file)}, Buffer.alloc(64 * 1024, 1)); console.log('written'); } catch (e) { console.log(e.code); }`;
  const { stdout } = await run('prlimit', ['--fsize=8192', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
  expect(stdout.trim()).toBe('EFBIG');
  expect(fs.readFileSync(file, 'utf8')).toBe('old');
  expect(fs.readdirSync(dir)).toEqual(['state.json']);
});

test('a rename that fails removes the temporary file', async ({}, testInfo) => {
  const dir = testInfo.outputPath('d');
  fs.mkdirSync(path.join(dir, 'taken', 'inside'), { recursive: true });
  expect(() => writeFileAtomic(path.join(dir, 'taken'), 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
  expect(fs.readdirSync(dir)).toEqual(['taken']);
});
