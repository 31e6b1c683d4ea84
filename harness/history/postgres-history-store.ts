import pg from 'pg';
import { describePostgresUrl } from '../rack/postgres-store.ts';
import type { HistoryStore } from './history-store.ts';
import { RUN_COLUMNS, toRunHead, type RunColumns } from './history-store-rows.ts';
import { digestRun, type RunDigest } from './run-digest.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// The run history in the rack's PostgreSQL database (several hosts or CI runners): as in
// SQLite, one row per run with its tests as a jsonb array (jsonb_array_elements(tests) reaches
// every test in SQL). One connection per store.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS history_runs (
  run_id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  git_revision text,
  image_version text,
  tests jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS history_runs_started ON history_runs (started_at);`;

/** Serialises schema creation between stores starting together (the lease store's lock is (…, 1)). */
const SCHEMA_LOCK = 'SELECT pg_advisory_xact_lock(1751737202, 2)';

type RunRow = [...RunColumns, tests: TestRecord[]];

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
    await this.client.query(
      `INSERT INTO history_runs (run_id, started_at, git_revision, image_version, tests) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (run_id) DO UPDATE SET started_at = excluded.started_at, git_revision = excluded.git_revision, image_version = excluded.image_version, tests = excluded.tests`,
      [run.runId, run.startedAt, run.gitRevision ?? null, run.imageVersion ?? null, JSON.stringify(run.tests)],
    );
  }

  async runs(o: { since?: Date } = {}): Promise<RunRecord[]> {
    const r = await this.client.query<RunRow>({
      text: `SELECT ${RUN_COLUMNS}, tests FROM history_runs WHERE $1::timestamptz IS NULL OR started_at >= $1 ORDER BY started_at, run_id`,
      values: [o.since ?? null],
      rowMode: 'array',
    });
    return r.rows.map((row) => ({ ...toRunHead(row), tests: row[4] }));
  }

  /** Made from the tests when read: a PostgreSQL rack's history is read by one page a night, not a thousand-night bench. */
  async digests(o: { since?: Date } = {}): Promise<RunDigest[]> {
    return (await this.runs(o)).map(digestRun);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
