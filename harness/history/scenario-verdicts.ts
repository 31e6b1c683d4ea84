import { digestRun, type RunDigest } from './run-digest.ts';
import type { RunRecord } from './run-record.ts';

// What the history says of each (board type, scenario): flaky (it passed and failed on the same
// image version), a regression (failing on its latest runs, since the first night of that
// streak), fixed (failed once, passes now) or stable. Lab faults are the board's, not the
// scenario's: they neither make a scenario fail nor break its streak. Without image versions, a
// run stands for its own image: flaky then means passed and failed in the same run.

export type ScenarioKind = 'flaky' | 'regression' | 'fixed' | 'stable';

export interface ScenarioVerdict {
  boardType: string;
  scenario: string;
  kind: ScenarioKind;
  /** The first run in the window with a product-side failure (its index, and the run when made from runs). */
  firstFailureRun?: number;
  firstFailure?: RunRecord;
  /** A regression: the first run of the streak of failing runs it is in now. */
  sinceRun?: number;
  since?: RunRecord;
  /** Flaky: an image version it both passed and failed on. */
  flakyImage?: string;
  /** The phase of the latest product-side failure. */
  lastFailedPhase?: string;
  runs: number;
  productFailures: number;
  labFaults: number;
}

export const rowKey = (boardType: string, scenario: string): string => `${boardType}\u0000${scenario}`;

interface RowState {
  verdict: ScenarioVerdict;
  /** image -> bit 1: passed, bit 2: failed. */
  images: Map<string, number>;
  streakStart?: number;
}

/** The verdict of every (board type, scenario) that ran in `runs` (oldest first), keyed by rowKey. */
export function scenarioVerdicts(runs: readonly RunRecord[]): Map<string, ScenarioVerdict> {
  const out = scenarioVerdictsOf(runs.map(digestRun));
  for (const v of out.values()) Object.assign(v, { firstFailure: v.firstFailureRun === undefined ? undefined : runs[v.firstFailureRun], since: v.sinceRun === undefined ? undefined : runs[v.sinceRun] });
  return out;
}

/** The same from the runs' digests; runs are named by their index. */
export function scenarioVerdictsOf(runs: readonly RunDigest[]): Map<string, ScenarioVerdict> {
  const rows = new Map<string, RowState>();
  runs.forEach((run, i) => {
    for (const r of run.rows) {
      const key = rowKey(r.boardType, r.scenario);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { verdict: { boardType: r.boardType, scenario: r.scenario, kind: 'stable', runs: 0, productFailures: 0, labFaults: 0 }, images: new Map() }));
      const v = row.verdict;
      v.runs++;
      v.labFaults += r.counts['lab-fault'] ?? 0;
      const failures = (r.counts['product-failure'] ?? 0) + (r.counts.unclassified ?? 0);
      if (failures) {
        v.productFailures += failures;
        v.lastFailedPhase = r.lastFailedPhase;
      }
      for (const [image, bits] of r.images) row.images.set(image, (row.images.get(image) ?? 0) | bits);
      if (r.bits & 2) {
        v.firstFailureRun ??= i;
        row.streakStart ??= i;
      } else if (r.bits & 1) {
        row.streakStart = undefined;
      }
    }
  });
  const out = new Map<string, ScenarioVerdict>();
  for (const [key, row] of rows) {
    const v = row.verdict;
    const flaky = [...row.images].find(([, bits]) => bits === 3)?.[0];
    if (flaky !== undefined) {
      v.kind = 'flaky';
      v.flakyImage = flaky;
    } else if (row.streakStart !== undefined) {
      v.kind = 'regression';
      v.sinceRun = row.streakStart;
    } else if (v.firstFailureRun !== undefined) {
      v.kind = 'fixed';
    }
    out.set(key, v);
  }
  return out;
}
