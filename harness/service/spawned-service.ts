import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants } from '../process/process-tree.ts';
import { waitUntil } from '../wait/wait-until.ts';

// For tests: `hil service start` as its own process, as a user (or systemd) runs it.

/** The `hil` command's entry point. */
export const hilBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/hil.js');

export interface SpawnedService {
  readonly url: string;
  /** The `hil` process (it re-executes itself with the service's memory flags). */
  readonly child: ChildProcess;
  /** The process that serves: the re-executed one. */
  readonly servicePid: number;
  output(): { stdout: string; stderr: string };
  /** Resolves when `hil` has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the service and resolves once it says it is listening; stdin 'pipe' stays open. */
export async function spawnService(dataDir: string, o: { stdin: 'ignore' | 'pipe'; port?: number; timeoutMs?: number }): Promise<SpawnedService> {
  const child = spawn(process.execPath, [hilBin, 'service', 'start', '--port', String(o.port ?? 0), '--data', dataDir], { stdio: [o.stdin, 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await waitUntil<string>({
    awaited: 'the "listening on" line',
    where: 'hil service start',
    timeoutMs: o.timeoutMs ?? 20_000,
    lastLines: () => `${stdout}${stderr}`.split('\n').slice(-10),
    watch(resolve, reject) {
      const check = () => {
        const m = /listening on (http:\S+)/.exec(stdout);
        if (m) resolve(m[1]);
      };
      const gone = () => reject(new Error(`hil service start exited before listening: ${stderr.trim() || stdout.trim()}`));
      child.stdout!.on('data', check);
      child.once('exit', gone);
      check();
      return () => {
        child.stdout!.off('data', check);
        child.off('exit', gone);
      };
    },
  }).catch(async (e) => {
    child.kill('SIGKILL');
    await exited;
    throw e;
  });
  const servicePid = descendants(child.pid!)[0] ?? child.pid!;
  return { url, child, servicePid, output: () => ({ stdout, stderr }), exited };
}

/** Stops a spawned service with `signal` and waits for it to exit. */
export async function stopService(s: SpawnedService, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
  return s.exited;
}
