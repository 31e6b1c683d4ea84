import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { holderGone, hostKey, processStart } from './holder-process.ts';
import { newToken, type Lease, type LeaseInfo, type LeaseKind, type LeaseStore, type OutOfService, type StoreSnapshot, type TakeRequest } from './lease-store.ts';
import { toLease, toLeaseInfo, toOutOfService, type LeaseRow, type OutOfServiceRow } from './store-rows.ts';

// The rack's store for one lab host: a SQLite file (WAL, so readers never wait on the writer; a
// busy timeout, so writers queue instead of failing). SQLite runs one write statement at a time,
// so the upsert that takes a lease cannot interleave with another. Times are milliseconds on the
// host's clock, read inside each statement. A session lease of a process on this host (same boot,
// same pid namespace) is free at once when that process is gone; any other only after its TTL.

const NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
/** The existing lease row `l` no longer binds: expired, or its holder on this host is gone. */
const FREE = (l: string) => `(${l}.expires_at <= ${NOW} OR (${l}.pid_start IS NOT NULL AND ${l}.host_key = @hostKey AND hil_holder_gone(${l}.pid, ${l}.pid_start)))`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leases (
  board TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  job TEXT NOT NULL,
  kind TEXT NOT NULL,
  host_key TEXT NOT NULL,
  pid_start INTEGER,
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS out_of_service (
  board TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  last_lines TEXT NOT NULL,
  since INTEGER NOT NULL,
  by TEXT NOT NULL
);`;

export class SqliteLeaseStore implements LeaseStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly hostKey = hostKey();
  private readonly statements;

  constructor(file: string) {
    this.description = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.function('hil_holder_gone', { deterministic: false }, (pid, start) => (holderGone(Number(pid), Number(start)) ? 1 : 0));
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      take: db.prepare<Record<string, unknown>, LeaseRow>(
        `INSERT INTO leases (board, token, host, pid, job, kind, host_key, pid_start, acquired_at, expires_at)
         SELECT @board, @token, @host, @pid, @job, @kind, @hostKey, @pidStart, ${NOW}, ${NOW} + @ttl
         WHERE NOT EXISTS (SELECT 1 FROM out_of_service WHERE board = @board)
         ON CONFLICT (board) DO UPDATE SET token = excluded.token, host = excluded.host, pid = excluded.pid, job = excluded.job,
           kind = excluded.kind, host_key = excluded.host_key, pid_start = excluded.pid_start,
           acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE ${FREE('leases')}
         RETURNING *`,
      ),
      renew: db.prepare<Record<string, unknown>, LeaseRow>(`UPDATE leases SET expires_at = ${NOW} + @ttl WHERE board = @board AND token = @token RETURNING *`),
      release: db.prepare<Record<string, unknown>>('DELETE FROM leases WHERE board = @board AND token = @token'),
      forceRelease: db.prepare<Record<string, unknown>, LeaseRow & { stale: number }>(
        `DELETE FROM leases WHERE board = @board AND (@kind IS NULL OR (kind = @kind AND NOT ${FREE('leases')})) RETURNING *, ${FREE('leases')} AS stale`,
      ),
      markOut: db.prepare<Record<string, unknown>>(
        `INSERT INTO out_of_service (board, reason, last_lines, since, by) VALUES (@board, @reason, @lastLines, ${NOW}, @by)
         ON CONFLICT (board) DO UPDATE SET reason = excluded.reason, last_lines = excluded.last_lines, since = excluded.since, by = excluded.by`,
      ),
      returnOut: db.prepare<Record<string, unknown>, OutOfServiceRow>('DELETE FROM out_of_service WHERE board = @board RETURNING *'),
      now: db.prepare<[], { now: number }>(`SELECT ${NOW} AS now`),
      leases: db.prepare<Record<string, unknown>, LeaseRow>(`SELECT * FROM leases WHERE NOT ${FREE('leases')} ORDER BY board`),
      out: db.prepare<[], OutOfServiceRow>('SELECT * FROM out_of_service ORDER BY board'),
    };
  }

  async take(req: TakeRequest): Promise<Lease | undefined> {
    const pidStart = req.kind === 'session' ? processStart(req.holder.pid) : null;
    const row = this.statements.take.get({
      board: req.board,
      token: newToken(),
      host: req.holder.host,
      pid: req.holder.pid,
      job: req.holder.job,
      kind: req.kind,
      hostKey: this.hostKey,
      pidStart: pidStart ?? null,
      ttl: Math.round(req.ttlMs),
    });
    return row && toLease(row);
  }

  async renew(board: string, token: string, ttlMs: number): Promise<Lease | undefined> {
    const row = this.statements.renew.get({ board, token, ttl: Math.round(ttlMs) });
    return row && toLease(row);
  }

  async release(board: string, token: string): Promise<boolean> {
    return this.statements.release.run({ board, token }).changes === 1;
  }

  async forceRelease(board: string, o: { kind?: LeaseKind } = {}): Promise<LeaseInfo | undefined> {
    const row = this.statements.forceRelease.get({ board, kind: o.kind ?? null, hostKey: this.hostKey });
    return row && !row.stale ? toLeaseInfo(row) : undefined;
  }

  async markOutOfService(e: { board: string; reason: string; lastLines: string[]; by: string }): Promise<void> {
    this.statements.markOut.run({ board: e.board, reason: e.reason, lastLines: JSON.stringify(e.lastLines), by: e.by });
  }

  async returnToService(board: string): Promise<OutOfService | undefined> {
    const row = this.statements.returnOut.get({ board });
    return row && toOutOfService(row);
  }

  async snapshot(): Promise<StoreSnapshot> {
    const read = this.db.transaction(() => ({
      now: new Date(this.statements.now.get()!.now),
      leases: this.statements.leases.all({ hostKey: this.hostKey }).map(toLeaseInfo),
      outOfService: this.statements.out.all().map(toOutOfService),
    }));
    return read();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
