import path from 'node:path';
import { LabFault } from '../errors.ts';
import type { LeaseStore } from './lease-store.ts';
import { PostgresLeaseStore, describePostgresUrl } from './postgres-store.ts';
import { SqliteLeaseStore } from './sqlite-store.ts';

// HIL_LEASE_STORE names the rack's store: unset, the SQLite file .cache/rack.sqlite in the project
// (one lab host); a path, another SQLite file; postgres://... (or postgresql://) when several
// hosts or CI runners share the rack.

export const DEFAULT_STORE = path.join('.cache', 'rack.sqlite');

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//.test(spec);
}

/** What the store is, as messages may name it (never a password). */
export function describeStore(spec: string | undefined, projectRoot: string): string {
  if (spec && isPostgresUrl(spec)) return describePostgresUrl(spec);
  return path.resolve(projectRoot, spec || DEFAULT_STORE);
}

export async function openLeaseStore(spec: string | undefined, projectRoot: string): Promise<LeaseStore> {
  const where = describeStore(spec, projectRoot);
  try {
    if (spec && isPostgresUrl(spec)) return await PostgresLeaseStore.connect(spec);
    return new SqliteLeaseStore(where);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new LabFault(`cannot open the rack's lease store ${where} (HIL_LEASE_STORE): ${why}`, { phase: 'rack', cause: e });
  }
}
