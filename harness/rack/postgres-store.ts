import pg from 'pg';
import { newToken, type Lease, type LeaseInfo, type LeaseKind, type LeaseStore, type OutOfService, type StoreSnapshot, type TakeRequest } from './lease-store.ts';
import { toLease, toLeaseInfo, toOutOfService, type LeaseRow, type OutOfServiceRow } from './store-rows.ts';

// The rack's store when several hosts or CI runners share it: PostgreSQL. Times are the server's
// now(). Each store holds one connection, and on it a session-level advisory lock on a random key
// for as long as it lives; its session leases carry that key. PostgreSQL drops a session's locks
// the moment its connection closes (a killed process, a cancelled job), so a session lease whose
// key is no longer locked in pg_locks is free at once; a holder that hangs with its connection
// open, or a host that vanishes without closing it, is bounded by the TTL as everywhere.

const TTL = (param: string) => `now() + (${param}::double precision * interval '1 millisecond')`;
const LOCK_HELD = (key: string) =>
  `EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
     AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND k.classid = ((${key} >> 32) & 4294967295)::oid AND k.objid = (${key} & 4294967295)::oid)`;
/** The existing lease row `l` no longer binds: expired, or its holder's session is gone. */
const FREE = (l: string) => `(${l}.expires_at <= now() OR (${l}.lock_key IS NOT NULL AND NOT ${LOCK_HELD(`${l}.lock_key`)}))`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rack_leases (
  board text PRIMARY KEY,
  token text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  job text NOT NULL,
  kind text NOT NULL,
  lock_key bigint,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS rack_out_of_service (
  board text PRIMARY KEY,
  reason text NOT NULL,
  last_lines jsonb NOT NULL,
  since timestamptz NOT NULL,
  by text NOT NULL
);`;

/** Serialises schema creation between stores starting together (two-int key: apart from the bigint session keys). */
const SCHEMA_LOCK = 'SELECT pg_advisory_xact_lock(1751737202, 1)';

/** The URL as it may be shown: without a password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export class PostgresLeaseStore implements LeaseStore {
  private readonly session = new AbortController();
  readonly sessionEnded = this.session.signal;

  private constructor(
    private readonly client: pg.Client,
    /** This store's session key (a positive 62-bit number, as text for pg). */
    private readonly key: string,
    readonly description: string,
  ) {
    client.on('error', (e) => this.session.abort(e));
    client.on('end', () => this.session.abort(new Error('the connection was closed')));
  }

  static async connect(url: string, o: { connectTimeoutMs?: number } = {}): Promise<PostgresLeaseStore> {
    // A query never hangs on a dead network: a renewal that cannot finish fails, and the renewer
    // reports the lease lost once a whole TTL has passed without one.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000, query_timeout: 10_000, keepAlive: true, application_name: 'hil rack' });
    client.on('error', () => undefined); // reported through the failing query, or as a lost lease
    await client.connect();
    const key = (BigInt.asUintN(64, crypto.getRandomValues(new BigUint64Array(1))[0]) >> 2n).toString();
    try {
      await client.query('BEGIN');
      await client.query(SCHEMA_LOCK);
      await client.query(SCHEMA);
      await client.query('COMMIT');
      await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return new PostgresLeaseStore(client, key, describePostgresUrl(url));
  }

  async take(req: TakeRequest): Promise<Lease | undefined> {
    const r = await this.client.query<LeaseRow>(
      `INSERT INTO rack_leases (board, token, host, pid, job, kind, lock_key, acquired_at, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, now(), ${TTL('$8')}
       WHERE NOT EXISTS (SELECT 1 FROM rack_out_of_service WHERE board = $1)
       ON CONFLICT (board) DO UPDATE SET token = excluded.token, host = excluded.host, pid = excluded.pid, job = excluded.job,
         kind = excluded.kind, lock_key = excluded.lock_key, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
       WHERE ${FREE('rack_leases')}
       RETURNING *`,
      [req.board, newToken(), req.holder.host, req.holder.pid, req.holder.job, req.kind, req.kind === 'session' ? this.key : null, req.ttlMs],
    );
    return r.rows[0] && toLease(r.rows[0]);
  }

  /** A session lease binds only while this store's connection lives: once it has closed, the lease is lost. */
  async renew(board: string, token: string, ttlMs: number): Promise<Lease | undefined> {
    if (this.sessionEnded.aborted) return undefined;
    try {
      const r = await this.client.query<LeaseRow>(`UPDATE rack_leases SET expires_at = ${TTL('$3')} WHERE board = $1 AND token = $2 RETURNING *`, [board, token, ttlMs]);
      return r.rows[0] && toLease(r.rows[0]);
    } catch (e) {
      if (this.sessionEnded.aborted) return undefined;
      throw e;
    }
  }

  async release(board: string, token: string): Promise<boolean> {
    const r = await this.client.query('DELETE FROM rack_leases WHERE board = $1 AND token = $2', [board, token]);
    return r.rowCount === 1;
  }

  async forceRelease(board: string, o: { kind?: LeaseKind } = {}): Promise<LeaseInfo | undefined> {
    const r = await this.client.query<LeaseRow & { stale: boolean }>(
      `WITH gone AS (DELETE FROM rack_leases WHERE board = $1 AND ($2::text IS NULL OR (kind = $2 AND NOT ${FREE('rack_leases')})) RETURNING *)
       SELECT *, ${FREE('gone')} AS stale FROM gone`,
      [board, o.kind ?? null],
    );
    const row = r.rows[0];
    return row && !row.stale ? toLeaseInfo(row) : undefined;
  }

  async markOutOfService(e: { board: string; reason: string; lastLines: string[]; by: string }): Promise<void> {
    await this.client.query(
      `INSERT INTO rack_out_of_service (board, reason, last_lines, since, by) VALUES ($1, $2, $3::jsonb, now(), $4)
       ON CONFLICT (board) DO UPDATE SET reason = excluded.reason, last_lines = excluded.last_lines, since = excluded.since, by = excluded.by`,
      [e.board, e.reason, JSON.stringify(e.lastLines), e.by],
    );
  }

  async returnToService(board: string): Promise<OutOfService | undefined> {
    const r = await this.client.query<OutOfServiceRow>('DELETE FROM rack_out_of_service WHERE board = $1 RETURNING *', [board]);
    return r.rows[0] && toOutOfService(r.rows[0]);
  }

  async snapshot(): Promise<StoreSnapshot> {
    // One read-only transaction: now() and both tables as of one instant.
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const now = (await this.client.query<{ now: Date }>('SELECT now()')).rows[0].now;
      const leases = (await this.client.query<LeaseRow>(`SELECT * FROM rack_leases WHERE NOT ${FREE('rack_leases')} ORDER BY board`)).rows.map(toLeaseInfo);
      const outOfService = (await this.client.query<OutOfServiceRow>('SELECT * FROM rack_out_of_service ORDER BY board')).rows.map(toOutOfService);
      return { now, leases, outOfService };
    } finally {
      await this.client.query('COMMIT');
    }
  }

  async close(): Promise<void> {
    if (!this.sessionEnded.aborted) await this.client.end();
  }
}
