import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabFault } from '../errors.ts';

// One worker per physical board: until boards are leased, a worker holds a lock file named after
// the board's address for as long as it uses the board. A second worker (or a second run on this
// host) that reaches for the same board fails at once, naming the holder, instead of two tests
// pushing updates to one board. A lock left by a process that died is taken over.

export interface BoardLock {
  readonly file: string;
  release(): void;
}

export const defaultLockDir = path.join(os.tmpdir(), 'ota-hil-board-locks');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/** Takes the lock of the board at `address` (its SSH host:port, or serial device), or throws a LabFault naming who holds it. */
export function lockBoard(board: string, address: string, o: { dir?: string; holder?: string } = {}): BoardLock {
  const dir = o.dir ?? defaultLockDir;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${address.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  const mine = JSON.stringify({ pid: process.pid, board, address, holder: o.holder ?? `pid ${process.pid}`, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return {
        file,
        release() {
          // Only our own lock: a lock taken over after we were presumed dead is not ours to remove.
          if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let held: { pid?: number; holder?: string; since?: string } = {};
    try {
      held = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      // Half-written by a process that died in the middle: stale.
    }
    if (typeof held.pid === 'number' && held.pid !== process.pid && alive(held.pid)) {
      throw new LabFault(
        `${board} at ${address} is in use by ${held.holder ?? `pid ${held.pid}`} (pid ${held.pid}, since ${held.since ?? '?'}; lock ${file}): ` +
          'one board takes one worker (a board project runs with workers: 1); wait for that run to end, or remove the lock if that process is not a test run',
        { phase: 'attach to the board' },
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new LabFault(`${board} at ${address}: could not take the lock ${file} (another process took it at the same time)`, { phase: 'attach to the board' });
}
