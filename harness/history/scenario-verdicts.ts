import { imageOf, isProductSide, outcomeOf, type RunRecord } from './run-record.ts';

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
  /** The first run in the window with a product-side failure. */
  firstFailure?: RunRecord;
  /** A regression: the first run of the streak of failing runs it is in now. */
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
  streakStart?: RunRecord;
}

/** The verdict of every (board type, scenario) that ran in `runs` (oldest first), keyed by rowKey. */
export function scenarioVerdicts(runs: readonly RunRecord[]): Map<string, ScenarioVerdict> {
  const rows = new Map<string, RowState>();
  for (const run of runs) {
    // Per row, this run's results: bit 1 some board passed, bit 2 some board failed (product side).
    const seen = new Map<RowState, number>();
    for (const t of run.tests) {
      const key = rowKey(t.boardType, t.scenario);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { verdict: { boardType: t.boardType, scenario: t.scenario, kind: 'stable', runs: 0, productFailures: 0, labFaults: 0 }, images: new Map() }));
      const o = outcomeOf(t);
      if (!seen.has(row)) {
        seen.set(row, 0);
        row.verdict.runs++;
      }
      if (o === 'lab-fault') row.verdict.labFaults++;
      const bit = o === 'passed' ? 1 : isProductSide(o) ? 2 : 0;
      if (!bit) continue;
      if (bit === 2) {
        row.verdict.productFailures++;
        row.verdict.lastFailedPhase = t.failedPhase;
      }
      seen.set(row, seen.get(row)! | bit);
      const image = imageOf(t, run) ?? `run ${run.runId}`;
      row.images.set(image, (row.images.get(image) ?? 0) | bit);
    }
    for (const [row, bits] of seen) {
      if (bits & 2) {
        row.verdict.firstFailure ??= run;
        row.streakStart ??= run;
      } else if (bits & 1) {
        row.streakStart = undefined;
      }
    }
  }
  const out = new Map<string, ScenarioVerdict>();
  for (const [key, row] of rows) {
    const v = row.verdict;
    const flaky = [...row.images].find(([, bits]) => bits === 3)?.[0];
    if (flaky !== undefined) {
      v.kind = 'flaky';
      v.flakyImage = flaky;
    } else if (row.streakStart) {
      v.kind = 'regression';
      v.since = row.streakStart;
    } else if (v.firstFailure) {
      v.kind = 'fixed';
    }
    out.set(key, v);
  }
  return out;
}
