import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../harness/process/free-port.ts';

// A board that outlives the run survives Playwright's worker restart: a real nested run on a
// virtual board kept by `hil vboard up` (attached like a rack board, HIL_VBOARD), whose first
// test fails on purpose. Playwright then tears the worker down and starts another; the second
// test must find the same board, in the same boot, and pass.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const spec = (outDir: string) => `
import fs from 'node:fs';
import { test, expect } from ${JSON.stringify(path.join(root, 'harness/fixtures.ts'))};

const note = async (board, file) =>
  fs.writeFileSync(${JSON.stringify(outDir)} + '/' + file, JSON.stringify({ worker: process.pid, boot: (await board.sh('cat /proc/sys/kernel/random/boot_id')).trim() }));

test('first: notes the boot, then fails', async ({ board }) => {
  await note(board, 'first.json');
  expect(1, 'a failure on purpose, so that Playwright restarts the worker').toBe(2);
});

test('second: the same board, attached again from a new worker', async ({ board }) => {
  await note(board, 'second.json');
  expect(await board.activeSlot()).toBe('A');
});
`;

test('a worker restarted after a failure re-attaches to the board it held, without rebooting it', async ({}, testInfo) => {
  test.setTimeout(6 * 60_000);
  const name = `reattach-${process.pid}`;
  const hil = (...args: string[]) => spawnSync('node', [path.join(root, 'bin/hil.js'), 'vboard', ...args, '--name', name], { cwd: root, encoding: 'utf8' });
  const dir = testInfo.outputPath('nested');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'reattach.spec.ts'), spec(dir));
  fs.writeFileSync(
    path.join(dir, 'nested.config.ts'),
    `export default ${JSON.stringify({
      testDir: dir,
      testMatch: '**/reattach.spec.ts',
      outputDir: path.join(dir, 'results'),
      workers: 1,
      retries: 0,
      reporter: [['json', { outputFile: path.join(dir, 'report.json') }]],
      projects: [{ name: 'kept', use: { boardProfile: 'boards/virtual.ts' } }],
    })};\n`,
  );
  try {
    // The nested run's lab service listens where this board's hubby is sent: a free port, not the default.
    const up = hil('up', '--json', '--service', `http://127.0.0.1:${await freePort()}`);
    expect(up.status, up.stderr).toBe(0);
    // The nested runner must not take this worker's own Playwright settings for its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS'));
    const run = spawnSync('npx', ['playwright', 'test', '-c', path.join(dir, 'nested.config.ts')], { cwd: root, encoding: 'utf8', env: { ...env, HIL_VBOARD: name }, timeout: 5 * 60_000 });
    await testInfo.attach('nested run', { body: `${run.stdout}\n${run.stderr}`, contentType: 'text/plain' });
    expect(run.status, 'the nested run fails (its first test fails on purpose)').toBe(1);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { suites: { specs: { title: string; tests: { results: { status: string; workerIndex: number }[] }[] }[] }[] };
    const results = Object.fromEntries(report.suites.flatMap((s) => s.specs).map((s) => [s.title.split(':')[0], s.tests[0].results[0]]));
    expect([results.first.status, results.second.status]).toEqual(['failed', 'passed']);
    const first = JSON.parse(fs.readFileSync(path.join(dir, 'first.json'), 'utf8')) as { worker: number; boot: string };
    const second = JSON.parse(fs.readFileSync(path.join(dir, 'second.json'), 'utf8')) as { worker: number; boot: string };
    expect(second.worker, 'a new worker process ran the second test').not.toBe(first.worker);
    expect(second.boot, 'the board was not rebooted (same kernel boot_id)').toBe(first.boot);
    expect(first.boot).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    const down = hil('down');
    expect(down.status, down.stderr).toBe(0);
  }
});
