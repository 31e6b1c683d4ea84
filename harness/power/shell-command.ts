import { spawn } from 'node:child_process';
import { LabFault } from '../errors.ts';

// One lab command (a power switch, a recovery flash) under `sh -c`, bounded: past its limit its
// whole process group is killed (`sh -c` may have started a pipeline). Errors name what it was for
// and its program, never the whole command line (a PDU's community string or a password may be
// in it): keep secrets in the environment the command reads them from.

export interface LabCommand {
  /** The shell command. */
  command: string;
  /** What it is for, as errors say it: `power on`, `recovery of sama5d2-2`. */
  what: string;
  timeoutMs: number;
  /** Extra environment (e.g. the board's name), on top of this process's. */
  env?: NodeJS.ProcessEnv;
  /** The phase a failure is a lab fault of. */
  phase: string;
}

/** The program a command runs (its first word after any VAR=value), for messages that must not print the rest. */
export function programOf(command: string): string {
  return /^\s*(?:\w+=\S*\s+)*(\S+)/.exec(command)?.[1] ?? '(empty)';
}

/** Runs the command; resolves with its standard output (the last 4 KiB). */
export function runLabCommand(c: LabCommand): Promise<string> {
  const what = `${c.what} (${programOf(c.command)})`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', c.command], { env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout = (stdout + b.toString()).slice(-4096)));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, c.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new LabFault(`${what} could not start: ${e.message}`, { phase: c.phase, cause: e }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new LabFault(`${what} did not finish within ${c.timeoutMs / 1000} s`, { phase: c.phase }));
      if (code === 0) return resolve(stdout);
      const last = stderr.trim().split('\n').at(-1)?.slice(0, 200);
      reject(new LabFault(`${what} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${last ? `: ${last}` : ''}`, { phase: c.phase }));
    });
  });
}
