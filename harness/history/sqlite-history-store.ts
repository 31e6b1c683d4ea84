import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { HistoryStore } from './history-store.ts';
import { testFromColumns, type ResultRow } from './result-columns.ts';
import type { RunRecord } from './run-record.ts';

// The run history in the rack's SQLite file (WAL, a busy timeout: a lease being taken meanwhile
// only delays the write). One row per run, one per test; phase durations as JSON text.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS history_runs (
  run_id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  git_revision TEXT,
  image_version TEXT
);
CREATE INDEX IF NOT EXISTS history_runs_started ON history_runs (started_at);
CREATE TABLE IF NOT EXISTS history_results (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  board_id TEXT NOT NULL,
  board_type TEXT NOT NULL,
  scenario TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_class TEXT,
  failed_phase TEXT,
  failure TEXT,
  image_version TEXT,
  duration_ms INTEGER NOT NULL,
  phases TEXT NOT NULL,
  report_link TEXT,
  PRIMARY KEY (run_id, seq)
);`;

type RunRow = [runId: string, startedAt: number, gitRevision: string | null, imageVersion: string | null];

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

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
    const db = this.db;
    const deleteResults = db.prepare('DELETE FROM history_results WHERE run_id = ?');
    const upsertRun = db.prepare('INSERT OR REPLACE INTO history_runs (run_id, started_at, git_revision, image_version) VALUES (?, ?, ?, ?)');
    const insert = db.prepare('INSERT INTO history_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      deleteResults.run(run.runId);
      upsertRun.run(run.runId, run.startedAt.getTime(), run.gitRevision ?? null, run.imageVersion ?? null);
      run.tests.forEach((t, i) => {
        insert.run(run.runId, i, t.boardId, t.boardType, t.scenario, t.status, t.failureClass ?? null, t.failedPhase ?? null, t.failure ?? null, t.imageVersion ?? null, Math.round(t.durationMs), JSON.stringify(t.phases), t.reportLink ?? null);
      });
    })();
  }

  async runs(o: { since?: Date } = {}): Promise<RunRecord[]> {
    const since = o.since?.getTime() ?? -Infinity;
    const read = this.db.transaction(() => {
      const runs = this.db.prepare<[number], RunRow>('SELECT run_id, started_at, git_revision, image_version FROM history_runs WHERE started_at >= ? ORDER BY started_at, run_id').raw().all(since);
      const byId = new Map<string, RunRecord>();
      for (const [runId, startedAt, gitRevision, imageVersion] of runs) {
        byId.set(runId, { runId, startedAt: new Date(startedAt), gitRevision: orUndefined(gitRevision), imageVersion: orUndefined(imageVersion), tests: [] });
      }
      const results = this.db
        .prepare<[number], ResultRow>(
          `SELECT r.run_id, board_id, board_type, scenario, status, failure_class, failed_phase, failure, r.image_version, duration_ms, phases, report_link
           FROM history_results r JOIN history_runs u ON u.run_id = r.run_id WHERE u.started_at >= ? ORDER BY r.run_id, seq`,
        )
        .raw();
      for (const r of results.iterate(since)) byId.get(r[0])?.tests.push(testFromColumns(r, JSON.parse(r[10] as string) as Record<string, number>));
      return [...byId.values()];
    });
    return read();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
