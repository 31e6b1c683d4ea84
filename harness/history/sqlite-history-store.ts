import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryStore } from './history-store.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// The run history in the rack's SQLite file (WAL, a busy timeout: a lease being taken meanwhile
// only delays the write). One row per run, its tests as a JSON array: the trend page reads a
// thousand nights of 500 tests in one JSON.parse per night (a row per test took twice the time),
// and SQL still reaches every test: json_each(tests) (docs/history.md).

const SCHEMA = `
CREATE TABLE IF NOT EXISTS history_runs (
  run_id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  git_revision TEXT,
  image_version TEXT,
  tests TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_runs_started ON history_runs (started_at);`;

type RunRow = [runId: string, startedAt: number, gitRevision: string | null, imageVersion: string | null, tests: string];

export class SqliteHistoryStore implements HistoryStore {
  readonly description: string;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.description = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  async append(run: RunRecord): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO history_runs (run_id, started_at, git_revision, image_version, tests) VALUES (?, ?, ?, ?, ?)')
      .run(run.runId, run.startedAt.getTime(), run.gitRevision ?? null, run.imageVersion ?? null, JSON.stringify(run.tests));
  }

  async runs(o: { since?: Date } = {}): Promise<RunRecord[]> {
    const rows = this.db.prepare<[number], RunRow>('SELECT run_id, started_at, git_revision, image_version, tests FROM history_runs WHERE started_at >= ? ORDER BY started_at, run_id').raw();
    const out: RunRecord[] = [];
    for (const [runId, startedAt, gitRevision, imageVersion, tests] of rows.iterate(o.since?.getTime() ?? -8.64e15)) {
      out.push({ runId, startedAt: new Date(startedAt), gitRevision: gitRevision ?? undefined, imageVersion: imageVersion ?? undefined, tests: JSON.parse(tests) as TestRecord[] });
    }
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
