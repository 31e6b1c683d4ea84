import type { RunRecord } from './run-record.ts';

// How a run is named on the page: its night (the UTC date it started), with the time when the
// same night had several runs.

const day = (d: Date): string => d.toISOString().slice(0, 10);

export function nightLabels(runs: readonly Pick<RunRecord, 'startedAt'>[]): string[] {
  const perDay = new Map<string, number>();
  for (const r of runs) perDay.set(day(r.startedAt), (perDay.get(day(r.startedAt)) ?? 0) + 1);
  return runs.map((r) => (perDay.get(day(r.startedAt))! > 1 ? `${day(r.startedAt)} ${r.startedAt.toISOString().slice(11, 16)}` : day(r.startedAt)));
}

export const nightOf = (run: RunRecord): string => day(run.startedAt);
