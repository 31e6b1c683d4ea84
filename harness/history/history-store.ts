import { LabFault } from '../errors.ts';
import { describeStore, isPostgresUrl } from '../rack/open-store.ts';
import { PostgresHistoryStore } from './postgres-history-store.ts';
import type { RunDigest } from './run-digest.ts';
import type { RunRecord } from './run-record.ts';
import { SqliteHistoryStore } from './sqlite-history-store.ts';

// The run history lives in the rack's store (HIL_LEASE_STORE: the SQLite file .cache/rack.sqlite
// by default, or a postgres:// URL), in tables of its own, created when absent.

export interface HistoryStore {
  /** Where the history is, as messages may show it (never a password). */
  readonly description: string;
  /** Adds a run; a run with the same id (the same reports imported again) is replaced. */
  append(run: RunRecord): Promise<void>;
  /** Runs that started at or after `since` (all when absent), oldest first. */
  runs(o?: { since?: Date }): Promise<RunRecord[]>;
  /** The same runs' digests (what the trend page shows of them), oldest first. */
  digests(o?: { since?: Date }): Promise<RunDigest[]>;
  close(): Promise<void>;
}

export async function openHistoryStore(spec: string | undefined, projectRoot: string): Promise<HistoryStore> {
  const where = describeStore(spec, projectRoot);
  try {
    if (spec && isPostgresUrl(spec)) return await PostgresHistoryStore.connect(spec);
    return new SqliteHistoryStore(where);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new LabFault(`cannot open the run history in ${where} (HIL_LEASE_STORE): ${why}`, { phase: 'history', cause: e });
  }
}
