import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../wait/wait-until.ts';
import type { LeaseKind } from '../lease-store.ts';

// The test's side of lease-holder.ts: a real worker process holding (or racing for) a lease.

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '../../..');

export interface HolderEvent {
  event: 'ready' | 'taken' | 'none' | 'lost';
  board?: string;
  reason?: string;
  pid?: number;
  /** The holder's own clock when it was ready. */
  localNow?: string;
  expiresAt?: string;
}

export interface HolderChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The first event of one of these kinds (at once if it came already). */
  next(event: HolderEvent['event'] | HolderEvent['event'][], timeoutMs?: number): Promise<HolderEvent>;
  go(): void;
  /** Closes its stdin: it releases its lease and exits. */
  end(): Promise<void>;
  readonly exited: Promise<void>;
}

export function spawnHolder(cfg: { store: string; boards: string[]; ttlMs: number; kind?: LeaseKind; job?: string; waitForGo?: boolean; clockSkewMs?: number }): HolderChild {
  const args = JSON.stringify({ kind: 'session', job: `test ${process.pid}`, waitForGo: false, ...cfg });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'lease-holder.ts'), args], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const events: HolderEvent[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  child.stdout!.on('data', (b: Buffer) => {
    buffered += b.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffered.slice(0, nl)) as HolderEvent);
      buffered = buffered.slice(nl + 1);
      child.emit('holder-event');
    }
  });
  // 'close', not 'exit': by then everything it printed has been read.
  let closed = false;
  const exited = new Promise<void>((r) =>
    child.once('close', () => {
      closed = true;
      r();
    }),
  );
  return {
    child,
    pid: child.pid!,
    exited,
    next: (event, timeoutMs = 20_000) => {
      const kinds = [event].flat();
      return waitUntil<HolderEvent>({
        awaited: `event ${kinds.map((k) => `"${k}"`).join(' or ')} from lease holder pid ${child.pid}`,
        where: 'its stdout',
        timeoutMs,
        lastLines: () => [...events.map((e) => JSON.stringify(e)), ...stderr.split('\n')],
        watch(resolve, reject) {
          const check = () => {
            const hit = events.find((e) => kinds.includes(e.event));
            if (hit) resolve(hit);
            else if (closed) reject(new Error(`lease holder pid ${child.pid} exited (${child.exitCode ?? child.signalCode}) before "${event}": ${stderr}`));
          };
          child.on('holder-event', check);
          child.on('close', check);
          check();
          return () => {
            child.off('holder-event', check);
            child.off('close', check);
          };
        },
      });
    },
    go: () => child.stdin!.write('go\n'),
    async end() {
      child.stdin!.end();
      await exited;
    },
  };
}
