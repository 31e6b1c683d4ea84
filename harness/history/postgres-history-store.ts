import pg from 'pg';
import { describePostgresUrl } from '../rack/postgres-store.ts';
import type { HistoryStore } from './history-store.ts';
import type { RunRecord } from './run-record.ts';
import { testFromColumns, type ResultRow } from './result-columns.ts';

// The run history in the rack's PostgreSQL database (several hosts or CI runners): the same two
// tables as in SQLite, phase durations as jsonb. One connection per store; a run is written in
// one transaction, so a reader never sees half of it.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS history_runs (
  run_id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  git_revision text,
  image_version text
);
CREATE INDEX IF NOT EXISTS history_runs_started ON history_runs (started_at);
CREATE TABLE IF NOT EXISTS history_results (
  run_id text NOT NULL REFERENCES history_runs (run_id) ON DELETE CASCADE,
  seq integer NOT NULL,
  board_id text NOT NULL,
  board_type text NOT NULL,
  scenario text NOT NULL,
  status text NOT NULL,
  failure_class text,
  failed_phase text,
  failure text,
  image_version text,
  duration_ms integer NOT NULL,
  phases jsonb NOT NULL,
  report_link text,
  PRIMARY KEY (run_id, seq)
);`;

/** Serialises schema creation between stores starting together (the lease store's lock is (…, 1)). */
const SCHEMA_LOCK = 'SELECT pg_advisory_xact_lock(1751737202, 2)';

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters in one statement. */
const BATCH = 1000;

export class PostgresHistoryStore implements HistoryStore {
  private constructor(
    private readonly client: pg.Client,
    readonly description: string,
  ) {}

  static async connect(url: string, o: { connectTimeoutMs?: number } = {}): Promise<PostgresHistoryStore> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000, query_timeout: 60_000, application_name: 'hil history' });
    client.on('error', () => undefined); // reported through the failing query
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(SCHEMA_LOCK);
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return new PostgresHistoryStore(client, describePostgresUrl(url));
  }

  async append(run: RunRecord): Promise<void> {
    const c = this.client;
    await c.query('BEGIN');
    try {
      await c.query('DELETE FROM history_runs WHERE run_id = $1', [run.runId]);
      await c.query('INSERT INTO history_runs (run_id, started_at, git_revision, image_version) VALUES ($1, $2, $3, $4)', [run.runId, run.startedAt, run.gitRevision ?? null, run.imageVersion ?? null]);
      for (let from = 0; from < run.tests.length; from += BATCH) {
        const rows = run.tests.slice(from, from + BATCH);
        const values: unknown[] = [];
        const tuples = rows.map((t, i) => {
          values.push(run.runId, from + i, t.boardId, t.boardType, t.scenario, t.status, t.failureClass ?? null, t.failedPhase ?? null, t.failure ?? null, t.imageVersion ?? null, Math.round(t.durationMs), JSON.stringify(t.phases), t.reportLink ?? null);
          const b = i * 13;
          return `(${Array.from({ length: 13 }, (_, k) => `$${b + k + 1}${k === 11 ? '::jsonb' : ''}`).join(', ')})`;
        });
        await c.query(`INSERT INTO history_results VALUES ${tuples.join(', ')}`, values);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async runs(o: { since?: Date } = {}): Promise<RunRecord[]> {
    const since = o.since ?? new Date(0);
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const runs = await this.client.query<{ run_id: string; started_at: Date; git_revision: string | null; image_version: string | null }>(
        'SELECT * FROM history_runs WHERE started_at >= $1 ORDER BY started_at, run_id',
        [since],
      );
      const byId = new Map<string, RunRecord>();
      for (const r of runs.rows) {
        byId.set(r.run_id, { runId: r.run_id, startedAt: r.started_at, gitRevision: r.git_revision ?? undefined, imageVersion: r.image_version ?? undefined, tests: [] });
      }
      const results = await this.client.query<unknown[]>({
        text: `SELECT r.run_id, board_id, board_type, scenario, status, failure_class, failed_phase, failure, r.image_version, duration_ms, phases, report_link
               FROM history_results r JOIN history_runs u ON u.run_id = r.run_id WHERE u.started_at >= $1 ORDER BY r.run_id, seq`,
        values: [since],
        rowMode: 'array',
      });
      for (const r of results.rows) byId.get(r[0] as string)?.tests.push(testFromColumns(r as ResultRow, r[10] as Record<string, number>));
      return [...byId.values()];
    } finally {
      await this.client.query('COMMIT');
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
