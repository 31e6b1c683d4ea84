import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryStore } from './history-store.ts';
import { RUN_COLUMNS, toRunHead, type RunColumns } from './history-store-rows.ts';
import { digestRun, fromStored, storedDigest, type RunDigest } from './run-digest.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// The run history in the rack's SQLite file (WAL, a busy timeout: a lease being taken meanwhile
// only delays the write). One row per run, its tests as a JSON array: the trend page reads a
// thousand nights of 500 tests in one JSON.parse per night (a row per test took twice the time),
// and SQL still reaches every test: json_each(tests) (docs/history.md). Beside the tests, the
// run's digest (run-digest.ts): the trend page reads those, a few MB for a thousand nights, where
// parsing the tests took 0.8 s. A row without a digest (written before there was one) or with
// one of another version is digested from its tests when read.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS history_runs (
  run_id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  git_revision TEXT,
  image_version TEXT,
  tests TEXT NOT NULL,
  digest TEXT
);
CREATE INDEX IF NOT EXISTS history_runs_started ON history_runs (started_at);`;

type RunRow = [...RunColumns, tests: string];
type DigestRow = [...RunColumns, digest: string | null];

const SINCE = 'WHERE started_at >= ? ORDER BY started_at, run_id';

export class SqliteHistoryStore implements HistoryStore {
  readonly description: string;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.description = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    // A history made before runs had digests: the column is added (its rows are digested when read).
    if (!(this.db.pragma('table_info(history_runs)') as { name: string }[]).some((c) => c.name === 'digest')) this.db.exec('ALTER TABLE history_runs ADD COLUMN digest TEXT');
  }

  async append(run: RunRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO history_runs (run_id, started_at, git_revision, image_version, tests, digest) VALUES (?, ?, ?, ?, ?, ?)')
      .run(run.runId, run.startedAt.getTime(), run.gitRevision ?? null, run.imageVersion ?? null, JSON.stringify(run.tests), JSON.stringify(storedDigest(digestRun(run))));
  }

  async runs(o: { since?: Date } = {}): Promise<RunRecord[]> {
    const rows = this.db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS}, tests FROM history_runs ${SINCE}`).raw();
    const out: RunRecord[] = [];
    for (const row of rows.iterate(o.since?.getTime() ?? -8.64e15)) out.push({ ...toRunHead(row), tests: JSON.parse(row[4]) as TestRecord[] });
    return out;
  }

  async digests(o: { since?: Date } = {}): Promise<RunDigest[]> {
    const rows = this.db.prepare<[number], DigestRow>(`SELECT ${RUN_COLUMNS}, digest FROM history_runs ${SINCE}`).raw();
    const testsOf = this.db.prepare<[string], [string]>('SELECT tests FROM history_runs WHERE run_id = ?').raw();
    const out: RunDigest[] = [];
    for (const row of rows.iterate(o.since?.getTime() ?? -8.64e15)) {
      const run = toRunHead(row);
      out.push((row[4] !== null && fromStored(row[4], run)) || digestRun({ ...run, tests: JSON.parse(testsOf.get(run.runId)![0]) as TestRecord[] }));
    }
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
