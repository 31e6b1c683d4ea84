import type { RunRecord } from './run-record.ts';

// The columns of a history row that say which run it is, and the run they make: one mapping for
// the SQLite and the PostgreSQL store. Both read rows as arrays (SQLite's raw(), pg's rowMode
// 'array'), these columns first, in this order; times come as ms from SQLite and Dates from pg.

export const RUN_COLUMNS = 'run_id, started_at, git_revision, image_version';

export type RunColumns = [runId: string, startedAt: number | Date, gitRevision: string | null, imageVersion: string | null];

export type RunHead = Omit<RunRecord, 'tests'>;

export function toRunHead([runId, startedAt, gitRevision, imageVersion]: readonly [...RunColumns, ...unknown[]]): RunHead {
  return { runId, startedAt: new Date(startedAt), gitRevision: gitRevision ?? undefined, imageVersion: imageVersion ?? undefined };
}
