import { LabFault } from '../errors.ts';
import type { Lease, LeaseStore } from './lease-store.ts';
import { describeBoards } from './leases.ts';

// A session lease while its holder works with the board: renewed every TTL/3, so two renewals may
// fail before it lapses. When a renewal finds the lease is no longer ours (it lapsed and was taken,
// someone forced it free, the PostgreSQL session ended) or the store could not be reached for a
// whole TTL, the lease is lost: `signal` aborts with the reason and `onLost` hears it once.

export class HeldLease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;
  private lastRenewedAt = Date.now();
  private lease: Lease;

  constructor(
    private readonly store: LeaseStore,
    lease: Lease,
    private readonly ttlMs: number,
    private readonly onLost: (reason: string) => void = () => undefined,
  ) {
    this.lease = lease;
    this.timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(ttlMs / 3)));
    // The renewer alone never keeps a process alive: a holder that has nothing else to do is done.
    this.timer.unref();
  }

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

  private async renew(): Promise<void> {
    if (this.renewing || this.signal.aborted) return;
    this.renewing = true;
    try {
      const renewed = await this.store.renew(this.lease.board, this.lease.token, this.ttlMs);
      if (renewed) {
        this.lease = renewed;
        this.lastRenewedAt = Date.now();
      } else {
        const now = await this.store.snapshot().catch(() => undefined);
        const holder = now ? describeBoards([this.lease.board], now)[0] : `${this.lease.board}: unknown`;
        this.loseIt(`the lease on ${this.lease.board} is no longer ours (it lapsed, was released by force, or the store's session ended); now ${holder}`);
      }
    } catch (e) {
      if (Date.now() - this.lastRenewedAt >= this.ttlMs) this.loseIt(`the lease on ${this.lease.board} could not be renewed for its whole TTL of ${this.ttlMs} ms: ${(e as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }

  private loseIt(reason: string): void {
    clearInterval(this.timer);
    this.controller.abort(new LeaseLostError(reason));
    this.onLost(reason);
  }

  /** Ends the lease (if it is still ours) and stops renewing. */
  async release(): Promise<void> {
    clearInterval(this.timer);
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
