import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnTied, type TiedProcess } from '../process/tied-process.ts';
import { waitForPath } from '../process/wait-for-path.ts';

// Real pseudo-terminals for console tests, made by socat (Debian package `socat`):
// `harnessPath` is the end the harness opens as its serial device; the far end is either another
// pty the test writes to (`boardPath`) or a program run on a pty of its own (a real shell).

export interface PtyPair {
  readonly dir: string;
  readonly harnessPath: string;
  /** The board's end, when the far side is a plain pty. */
  readonly boardPath: string;
  readonly process: TiedProcess;
  /** Ends socat: both pty ends vanish, as a USB serial adapter does when unplugged. */
  stop(): Promise<void>;
}

function socatPath(p: string, proc: TiedProcess): Promise<void> {
  return waitForPath(p, { timeoutMs: 5000, what: 'socat pty', failed: () => (proc.child.exitCode !== null ? `socat exited: ${proc.output()}` : undefined) });
}

const ptyOpts = 'raw,echo=0';

/** Two linked ptys: bytes written to one end are read at the other. Reuses `dir` when given (to reappear at the same paths). */
export async function startPtyPair(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-pty-'))): Promise<PtyPair> {
  const harnessPath = path.join(dir, 'harness');
  const boardPath = path.join(dir, 'board');
  const proc = spawnTied('socat', [`pty,${ptyOpts},link=${harnessPath}`, `pty,${ptyOpts},link=${boardPath}`]);
  await socatPath(harnessPath, proc);
  await socatPath(boardPath, proc);
  return { dir, harnessPath, boardPath, process: proc, stop: () => proc.stop() };
}

/** A pty whose far end runs a program (a shell, a fake getty) on a controlling terminal of its own. */
export async function startPtyProgram(program: string, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-pty-'))): Promise<PtyPair> {
  const harnessPath = path.join(dir, 'harness');
  const proc = spawnTied('socat', [`pty,${ptyOpts},link=${harnessPath}`, `EXEC:${program},pty,stderr,setsid,ctty,sane`]);
  await socatPath(harnessPath, proc);
  return { dir, harnessPath, boardPath: '', process: proc, stop: () => proc.stop() };
}
