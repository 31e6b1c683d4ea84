import { test, expect } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import config from '../../playwright.config.ts';
import { lockBoard } from './board-lock.ts';
import { LabFault } from '../errors.ts';

// One physical board, one worker: the board projects are limited to one worker, and a second
// process reaching for a locked board fails clearly. The holder is a real second process.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('every real-board project runs with one worker', () => {
  const boards = (config.projects ?? []).filter((p) => p.name !== 'unit' && p.name !== 'virtual');
  expect(boards.map((p) => p.name), 'the board projects').toEqual(expect.arrayContaining(['sama5d2', 'bbgw']));
  for (const p of boards) expect(p.workers, `workers of the ${p.name} project`).toBe(1);
});

/** A process holding the lock until its stdin closes; resolves once it holds it. */
async function holder(entry: string, address: string, dir: string): Promise<ChildProcessWithoutNullStreams> {
  // Node itself with tsx's loader: the pid in the lock is this process's.
  const child = spawn(process.execPath, ['--import', 'tsx', entry, address, dir], { cwd: root });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('locked')) resolve();
    });
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before it held the lock: ${out}`)));
  });
  return child;
}

test('a second process cannot take a board that is locked; a released or abandoned lock is taken', async ({}, testInfo) => {
  const dir = testInfo.outputPath('locks');
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  const work = fs.mkdtempSync(path.join(root, '.cache', 'board-lock-test-'));
  const entry = path.join(work, 'hold.mts');
  fs.writeFileSync(
    entry,
    `import { lockBoard } from '${root}/harness/suite/board-lock.ts';\n` +
      `const lock = lockBoard('sama5d2', process.argv[2], { dir: process.argv[3], holder: 'sama5d2 worker 0' });\n` +
      `process.stdout.write('locked\\n');\n` +
      `process.stdin.on('end', () => { lock.release(); process.exit(0); });\nprocess.stdin.resume();\n`,
  );
  const exited = (c: ChildProcessWithoutNullStreams) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(undefined) : c.once('exit', resolve)));
  try {
    const first = await holder(entry, '10.20.0.7:22', dir);
    const err = (() => {
      try {
        lockBoard('sama5d2', '10.20.0.7:22', { dir });
      } catch (e) {
        return e;
      }
    })();
    expect(err, 'a second taker').toBeInstanceOf(LabFault);
    expect((err as LabFault).message, 'names the board, the holder and the rule').toMatch(new RegExp(`^sama5d2 at 10\\.20\\.0\\.7:22 is in use by sama5d2 worker 0 \\(pid ${first.pid},.*one board takes one worker`));
    // Another board is free meanwhile.
    lockBoard('bbgw', '10.20.0.8:22', { dir }).release();

    first.stdin.end(); // the holder releases and exits
    await exited(first);
    const mine = lockBoard('sama5d2', '10.20.0.7:22', { dir });
    mine.release();

    // A holder killed outright leaves its lock behind: a dead process's lock is taken over.
    const killed = await holder(entry, '10.20.0.7:22', dir);
    killed.kill('SIGKILL');
    await exited(killed);
    expect(fs.readdirSync(dir), 'the abandoned lock file').toHaveLength(1);
    lockBoard('sama5d2', '10.20.0.7:22', { dir }).release();
    expect(fs.readdirSync(dir), 'lock files once released').toEqual([]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
