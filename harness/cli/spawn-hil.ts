import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs the real `node bin/hil.js` as its own process, as a user runs it, for the CLI's tests.

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface HilRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Asynchronous: a server under test may share this event loop. stdin is closed (/dev/null). */
export function hil(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<HilRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(projectRoot, 'bin/hil.js'), ...args],
      { cwd: o.cwd ?? projectRoot, env: o.env ?? process.env, encoding: 'utf8', timeout: o.timeoutMs ?? 30_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        resolve({ status, stdout, stderr, ms: Date.now() - t0 });
      },
    );
    child.stdin?.end();
  });
}

/**
 * A fresh folder under the system's temp dir, for files a test hands to `hil`. Not Playwright's
 * output folder: a concurrent Playwright run in the same project empties that one at its start.
 */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-test-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
