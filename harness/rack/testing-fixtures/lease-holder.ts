import readline from 'node:readline';
import { HeldLease } from '../held-lease.ts';
import { thisHolder } from '../holder-process.ts';
import type { LeaseKind } from '../lease-store.ts';
import { takeFirstFree } from '../leases.ts';
import { openLeaseStore } from '../open-store.ts';

// A worker that takes a lease and holds it, as its own process, for the race and SIGKILL tests.
// argv[2]: JSON {store, boards, ttlMs, kind, job, waitForGo, clockSkewMs}. Prints JSON lines on stdout:
// {event: "ready"}, then {event: "taken", board} or {event: "none"}, and {event: "lost", reason}.
// stdin: a line "go" starts the take (racers start together); its end releases and exits, so the
// worker never outlives the test that started it.

const cfg = JSON.parse(process.argv[2]!) as { store: string; boards: string[]; ttlMs: number; kind: LeaseKind; job: string; waitForGo: boolean; clockSkewMs?: number };
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

// A host whose clock is off: every `new Date()` and Date.now() here is skewed; the store must not care.
if (cfg.clockSkewMs) {
  const RealDate = Date;
  const skew = cfg.clockSkewMs;
  globalThis.Date = class extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + skew;
    }
  } as DateConstructor;
}

const store = await openLeaseStore(cfg.store, process.cwd());
const lines = readline.createInterface({ input: process.stdin });
const stdinEnded = new Promise<void>((r) => lines.once('close', r));
say({ event: 'ready', pid: process.pid, localNow: new Date() });
if (cfg.waitForGo) await new Promise<void>((r) => lines.once('line', () => r()));
const lease = await takeFirstFree({ store, boards: cfg.boards, holder: thisHolder(cfg.job), kind: cfg.kind, ttlMs: cfg.ttlMs });
if (!lease) say({ event: 'none' });
else {
  say({ event: 'taken', board: lease.board, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt });
  const held = cfg.kind === 'session' ? new HeldLease(store, lease, cfg.ttlMs, (reason) => say({ event: 'lost', reason })) : undefined;
  await stdinEnded;
  await held?.release();
}
await store.close();
