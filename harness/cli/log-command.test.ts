import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `hil log` run as a user runs it (node bin/hil.js), on a saved harness log and on standard input.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function run(args: string[], stdin?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/hil.js'), ...args], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const saved = [
  '{"level":30,"time":"2026-11-27T06:00:00.000Z","board":"sama5d2","phase":"download","budgetMs":600000,"msg":"phase start"}',
  '{"level":30,"time":"2026-11-27T06:01:15.200Z","board":"sama5d2","kind":"ota-allowed","line":"hubby[2014]: BentoProduct::LocalOtaAllowed(5, 7112): current version 0","msg":"ota event"}',
  'not a JSON line',
  '{"level":40,"time":"2026-11-27T06:02:00.000Z","board":"sama5d2","phase":"verify","elapsedMs":44800,"msg":"phase failed"}',
].join('\n');

test('hil log prints a saved harness log for people, from a file and from stdin; an unreadable file is exit 2', async ({}, testInfo) => {
  const file = testInfo.outputPath('harness.log');
  fs.writeFileSync(file, `${saved}\n`);

  const fromFile = await run(['log', file]);
  expect(fromFile.stderr, 'stderr').toBe('');
  expect(fromFile.status, 'exit code').toBe(0);
  const lines = fromFile.stdout.trimEnd().split('\n');
  expect(lines, 'one line out for each line in').toHaveLength(4);
  expect(lines[0], 'a phase starting').toMatch(/^06:00:00\.000 \+0\.0s INFO: sama5d2 \[download\] phase start \{"budgetMs":600000\}$/);
  expect(lines[1], 'an OTA event, 75.2 s after the first line').toMatch(/^06:01:15\.200 \+75\.2s INFO: sama5d2 ota event ota-allowed .*LocalOtaAllowed\(5, 7112\)/);
  expect(lines[2], 'a line that is not JSON').toBe('not a JSON line');
  expect(lines[3], 'a phase failing').toMatch(/^06:02:00\.000 \+120\.0s WARN: sama5d2 \[verify\] phase failed/);

  const fromStdin = await run(['log', '-'], saved);
  expect(fromStdin.status, 'exit code with -').toBe(0);
  expect(fromStdin.stdout, 'stdin is rendered as the file is').toBe(fromFile.stdout);

  const missing = await run(['log', testInfo.outputPath('no-such.log')]);
  expect(missing.status, 'exit code of an unreadable file').toBe(2);
  expect(missing.stderr, 'says which file').toContain('hil log: cannot read');
  expect(missing.stderr, 'says which file').toContain('no-such.log: ENOENT');
});
