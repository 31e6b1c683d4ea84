import { LabFault } from '../errors.ts';
import type { Lease, LeaseStore } from './lease-store.ts';
import { describeBoards } from './leases.ts';

// A session lease while its holder works with the board: renewed every TTL/3, so one renewal may
// fail without harm. The lease is lost, and `signal` aborts with the reason and `onLost`
// hears it once, when a renewal finds it is no longer ours (it lapsed and was taken, someone
// forced it free), when the store's session ends (PostgreSQL: at once), or when no renewal has
// succeeded for so long that the lease may lapse before the next attempt (a store that fails or
// does not answer): the holder stops trusting it before anyone else can take it.

export class HeldLease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private renewing = false;
  /** When the last successful renewal was sent: the store's expiry is at least this + TTL. */
  private lastRenewedAt = Date.now();
  private lease: Lease;

  constructor(
    private readonly store: LeaseStore,
    lease: Lease,
    private readonly ttlMs: number,
    private readonly onLost: (reason: string) => void = () => undefined,
  ) {
    this.lease = lease;
    this.intervalMs = Math.max(1, Math.floor(ttlMs / 3));
    this.timer = setInterval(() => void this.renew(), this.intervalMs);
    // The renewer alone never keeps a process alive: a holder that has nothing else to do is done.
    this.timer.unref();
    store.sessionEnded?.addEventListener('abort', this.onSessionEnded, { once: true });
  }

  private readonly onSessionEnded = () => {
    const why = (this.store.sessionEnded?.reason as Error | undefined)?.message ?? 'it ended';
    this.loseIt(`the lease on ${this.lease.board} is lost: the store's session ended (${why}), which frees its leases for others at once`);
  };

  get board(): string {
    return this.lease.board;
  }

  /** The store's expiry time as of the last renewal. */
  get expiresAt(): Date {
    return this.lease.expiresAt;
  }

  /** Aborted (with the reason as a LeaseLostError) once the lease is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the lease was lost; undefined while it is held. */
  get lost(): string | undefined {
    return this.signal.aborted ? (this.signal.reason as LeaseLostError).reason : undefined;
  }

  /** No renewal may come in time any more: the lease could lapse before the next attempt. */
  private outOfTime(): boolean {
    return Date.now() + this.intervalMs >= this.lastRenewedAt + this.ttlMs;
  }

  private async renew(): Promise<void> {
    if (this.signal.aborted) return;
    if (this.renewing) {
      if (this.outOfTime()) this.loseIt(`the lease on ${this.lease.board} could not be renewed within its TTL of ${this.ttlMs} ms: the store ${this.store.description} did not answer`);
      return;
    }
    this.renewing = true;
    const sentAt = Date.now();
    try {
      const renewed = await this.store.renew(this.lease.board, this.lease.token, this.ttlMs);
      if (renewed) {
        this.lease = renewed;
        this.lastRenewedAt = sentAt;
      } else {
        const now = await this.store.snapshot().then(
          (snap) => `now ${describeBoards([this.lease.board], snap)[0]}`,
          (e: Error) => `the store cannot be read (${e.message})`,
        );
        this.loseIt(`the lease on ${this.lease.board} is no longer ours (it lapsed, was released by force, or the store's session ended); ${now}`);
      }
    } catch (e) {
      if (this.outOfTime()) this.loseIt(`the lease on ${this.lease.board} could not be renewed within its TTL of ${this.ttlMs} ms: ${(e as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }

  private loseIt(reason: string): void {
    if (this.signal.aborted) return;
    this.stop();
    this.controller.abort(new LeaseLostError(reason));
    this.onLost(reason);
  }

  /** Ends the lease (if it is still ours) and stops renewing. */
  private stop(): void {
    clearInterval(this.timer);
    this.store.sessionEnded?.removeEventListener('abort', this.onSessionEnded);
  }

  async release(): Promise<void> {
    this.stop();
    if (!this.signal.aborted) await this.store.release(this.lease.board, this.lease.token);
  }

  /**
   * The board failed its health check: out of service with the reason and the last console lines,
   * then released. Nobody is given it again until `hil rack return`.
   */
  async retire(reason: string, lastLines: readonly string[]): Promise<void> {
    const h = this.lease.holder;
    await this.store.markOutOfService({ board: this.lease.board, reason, lastLines: [...lastLines], by: `${h.host} pid ${h.pid} (${h.job})` });
    await this.release();
  }
}

/** A lab fault: the board was taken from under the test, nothing says the product failed. */
export class LeaseLostError extends LabFault {
  constructor(readonly reason: string) {
    super(reason, { phase: 'rack' });
  }
}
