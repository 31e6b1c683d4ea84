// Where the rack's leases live: which board is held by whom until when, and which boards are out
// of service. Every decision about time is made on the store's clock (SQLite's unixepoch on the
// lab host, PostgreSQL's now()), never on a caller's. Taking a lease is one atomic statement.

/** Who holds a lease, as `hil rack status` shows it. */
export interface Holder {
  host: string;
  pid: number;
  /** The CI job, the test run, or who reserved it at the bench. */
  job: string;
}

/**
 * `session`: held by a running process that renews it; free again once its TTL passes without a
 * renewal, and at once where the store can tell the holder is gone (a dead pid on the same host for
 * SQLite, a closed connection for PostgreSQL). `reservation`: made by `hil rack reserve` for a
 * person at the bench; lasts its duration, whatever happens to the process that made it.
 */
export type LeaseKind = 'session' | 'reservation';

export interface LeaseInfo {
  board: string;
  holder: Holder;
  kind: LeaseKind;
  acquiredAt: Date;
  expiresAt: Date;
}

/** A lease as its holder has it: the token proves it is theirs when renewing or releasing. */
export interface Lease extends LeaseInfo {
  token: string;
}

export interface OutOfService {
  board: string;
  reason: string;
  /** The last console lines when it was taken out (a failed health check's evidence). */
  lastLines: string[];
  since: Date;
  /** Who took it out (host, pid, job). */
  by: string;
}

export interface StoreSnapshot {
  /** The store's clock when the snapshot was taken. */
  now: Date;
  /** Leases in force (expired ones and those of holders known to be gone are left out). */
  leases: LeaseInfo[];
  outOfService: OutOfService[];
}

export interface TakeRequest {
  board: string;
  holder: Holder;
  kind: LeaseKind;
  /** How long the lease lasts from now without a renewal. */
  ttlMs: number;
}

export interface LeaseStore {
  /** What this store is, for messages (a file path, or a PostgreSQL URL without its password). */
  readonly description: string;
  /**
   * Aborted when the connection that binds this store's session leases ends (PostgreSQL): they
   * are free for others from that moment. Absent where leases are bound to the process (SQLite).
   */
  readonly sessionEnded?: AbortSignal;
  /** Takes the board if it is free and in service; undefined if not. One atomic statement. */
  take(req: TakeRequest): Promise<Lease | undefined>;
  /** Extends the lease by ttlMs from now; undefined when it is no longer this holder's. */
  renew(board: string, token: string, ttlMs: number): Promise<Lease | undefined>;
  /** Ends the lease if the token is still its own; false when it was not (any more). */
  release(board: string, token: string): Promise<boolean>;
  /**
   * Ends the board's lease whoever holds it (only a reservation, with `kind: 'reservation'`: a
   * person ending what was reserved at the bench); returns the lease that was in force, if any.
   */
  forceRelease(board: string, o?: { kind?: LeaseKind }): Promise<LeaseInfo | undefined>;
  /** The board is not leased again until `returnToService`. */
  markOutOfService(entry: { board: string; reason: string; lastLines: string[]; by: string }): Promise<void>;
  /** Puts an out-of-service board back; returns what it was out for, undefined if it was not out. */
  returnToService(board: string): Promise<OutOfService | undefined>;
  snapshot(): Promise<StoreSnapshot>;
  close(): Promise<void>;
}

/** A lease's random token (proves the holder when renewing or releasing; never printed). */
export function newToken(): string {
  return crypto.randomUUID();
}
