import type { Lease, LeaseInfo, LeaseKind, OutOfService } from './lease-store.ts';

// A store row and the objects the rack works with, one mapping for every store. The column
// names are the same in SQLite and PostgreSQL; what differs is how a driver hands values back:
// times are milliseconds from SQLite and Dates from pg, the last lines JSON text from SQLite and
// an array from pg (jsonb).

export interface LeaseRow {
  board: string;
  token: string;
  host: string;
  pid: number;
  job: string;
  kind: LeaseKind;
  acquired_at: number | Date;
  expires_at: number | Date;
}

export interface OutOfServiceRow {
  board: string;
  reason: string;
  last_lines: string | string[];
  since: number | Date;
  by: string;
}

export function toLease(r: LeaseRow): Lease {
  return { board: r.board, token: r.token, holder: { host: r.host, pid: r.pid, job: r.job }, kind: r.kind, acquiredAt: new Date(r.acquired_at), expiresAt: new Date(r.expires_at) };
}

/** The lease as anyone but its holder sees it: without the token. */
export function toLeaseInfo(r: LeaseRow): LeaseInfo {
  const { token: _token, ...info } = toLease(r);
  return info;
}

export function toOutOfService(r: OutOfServiceRow): OutOfService {
  const lastLines = typeof r.last_lines === 'string' ? (JSON.parse(r.last_lines) as string[]) : r.last_lines;
  return { board: r.board, reason: r.reason, lastLines, since: new Date(r.since), by: r.by };
}
