import { LabFault, WaitTimeoutError } from '../errors.ts';
import { deadlineOf, type Deadline } from '../wait/deadline.ts';
import { waitUntil } from '../wait/wait-until.ts';
import type { Holder, Lease, LeaseInfo, LeaseKind, LeaseStore, StoreSnapshot } from './lease-store.ts';

// Taking one board of a pool (any free board of a type with the wanted tags), waiting for one to
// come free, and describing what was waited for when none did. The store has no events: waiting
// polls it at a modest interval (labgrid's reserve --wait polls once a second).

/** A session lease is free again at most this long after its holder stopped renewing it. */
export const MAX_SESSION_TTL_MS = 60_000;
export const DEFAULT_POLL_MS = 1000;

export interface AcquireRequest {
  store: LeaseStore;
  /** Board ids to try, in order of preference. */
  boards: readonly string[];
  /** What is wanted, as a message says it: `sama5d2 board with tags usb-power`. */
  want: string;
  holder: Holder;
  kind: LeaseKind;
  ttlMs: number;
  /** How long to wait for a board to come free; without either, one attempt. */
  deadline?: Deadline;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** No board came free in time; the message names what was wanted and who holds each candidate. */
export class NoBoardFreeError extends LabFault {
  /** The message without its failure-class line. */
  readonly text: string;

  constructor(
    readonly want: string,
    readonly waitedMs: number,
    readonly boardStates: string[],
    storeDescription: string,
  ) {
    const waited = waitedMs > 0 ? `came free within ${(waitedMs / 1000).toFixed(1)} s` : 'is free';
    const text = `no ${want} ${waited} (rack store ${storeDescription}):\n${boardStates.map((s) => `  ${s}`).join('\n')}`;
    super(text, { phase: 'rack' });
    this.text = text;
  }
}

const time = (d: Date) => d.toISOString();

/** One line per board: who holds it until when, or why it is out of service. */
export function describeBoards(boards: readonly string[], snap: StoreSnapshot): string[] {
  return boards.map((b) => {
    const out = snap.outOfService.find((o) => o.board === b);
    if (out) return `${b}: out of service since ${time(out.since)} (${out.reason}); \`hil rack return ${b}\` puts it back`;
    const l = snap.leases.find((x) => x.board === b);
    return `${b}: ${l ? describeLease(l) : 'free'}`;
  });
}

/** "leased by ci-3 pid 4242 (nightly #812) until 2026-...Z" */
export function describeLease(l: LeaseInfo): string {
  return `${l.kind === 'reservation' ? 'reserved' : 'leased'} by ${l.holder.host} pid ${l.holder.pid} (${l.holder.job}) until ${time(l.expiresAt)}`;
}

/** Takes the first of `boards` that is free and in service; each take is one atomic statement. */
export async function takeFirstFree(r: Pick<AcquireRequest, 'store' | 'boards' | 'holder' | 'kind' | 'ttlMs'>): Promise<Lease | undefined> {
  for (const board of r.boards) {
    const lease = await r.store.take({ board, holder: r.holder, kind: r.kind, ttlMs: r.ttlMs });
    if (lease) return lease;
  }
  return undefined;
}

export async function acquire(r: AcquireRequest): Promise<Lease> {
  if (r.kind === 'session' && !(r.ttlMs > 0 && r.ttlMs <= MAX_SESSION_TTL_MS)) throw new RangeError(`a session lease's TTL must be 1..${MAX_SESSION_TTL_MS} ms, got ${r.ttlMs}`);
  const first = await takeFirstFree(r);
  if (first) return first;
  const deadline = r.deadline || r.timeoutMs ? deadlineOf(r, 0) : undefined;
  const noneFree = async (waitedMs: number) => new NoBoardFreeError(r.want, waitedMs, describeBoards(r.boards, await r.store.snapshot()), r.store.description);
  if (!deadline || deadline.expired()) throw await noneFree(0);
  const waitMs = deadline.remainingMs();
  try {
    return await waitUntil<Lease>({
      awaited: `a free ${r.want}`,
      where: `rack store ${r.store.description}`,
      deadline,
      signal: r.signal,
      lastLines: () => [],
      watch(resolve, reject) {
        let stopped = false;
        let timer: NodeJS.Timeout | undefined;
        const poll = async () => {
          try {
            const lease = await takeFirstFree(r);
            // Taken just as the wait ended: give it back, nobody will use it.
            if (stopped && lease) await r.store.release(lease.board, lease.token);
            else if (lease) resolve(lease);
            else if (!stopped) timer = setTimeout(poll, r.pollMs ?? DEFAULT_POLL_MS);
          } catch (e) {
            reject(e as Error);
          }
        };
        timer = setTimeout(poll, r.pollMs ?? DEFAULT_POLL_MS);
        return () => {
          stopped = true;
          clearTimeout(timer);
        };
      },
    });
  } catch (e) {
    if (e instanceof WaitTimeoutError) throw await noneFree(waitMs);
    throw e;
  }
}
