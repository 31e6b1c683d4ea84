import type { TestRecord } from './run-record.ts';

// A result row as both stores select it (the same columns, in this order), back to a TestRecord.

export type ResultRow = [runId: string, boardId: string, boardType: string, scenario: string, status: string, failureClass: string | null, failedPhase: string | null, failure: string | null, imageVersion: string | null, durationMs: number, phases: unknown, reportLink: string | null];

export function testFromColumns(r: ResultRow, phases: Record<string, number>): TestRecord {
  const t: TestRecord = { boardId: r[1], boardType: r[2], scenario: r[3], status: r[4] as TestRecord['status'], phases, durationMs: r[9] };
  if (r[5] !== null) t.failureClass = r[5] as TestRecord['failureClass'];
  if (r[6] !== null) t.failedPhase = r[6];
  if (r[7] !== null) t.failure = r[7];
  if (r[8] !== null) t.imageVersion = r[8];
  if (r[11] !== null) t.reportLink = r[11];
  return t;
}
