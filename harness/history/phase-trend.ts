import { phaseNames } from '../logs/timeline.ts';
import { imageOf, type RunRecord } from './run-record.ts';

// Each OTA phase's duration over time, per board type: the median and the 90th percentile of the
// run's tests, and the nights where the median jumped by 20 % or more over the median of the
// previous nights (an image that made installs slower).

export const SLOWDOWN = 0.2;
/** Runs the baseline is the median of; at least BASELINE_MIN of them before a jump is judged. */
const BASELINE_RUNS = 7;
const BASELINE_MIN = 3;

export interface PhasePoint {
  /** Index into the runs given. */
  run: number;
  medianMs: number;
  p90Ms: number;
  samples: number;
}

export interface Slowdown {
  run: number;
  /** +0.25: the median was 25 % above the baseline. */
  increase: number;
  baselineMs: number;
  medianMs: number;
  image?: string;
}

export interface PhaseSeries {
  boardType: string;
  phase: string;
  points: PhasePoint[];
  slowdowns: Slowdown[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const phaseOrder = (a: string, b: string): number => {
  const ia = (phaseNames as readonly string[]).indexOf(a);
  const ib = (phaseNames as readonly string[]).indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
};

function slowdowns(points: readonly PhasePoint[], runs: readonly RunRecord[], boardType: string): Slowdown[] {
  const out: Slowdown[] = [];
  let previousFlagged = false;
  points.forEach((p, i) => {
    const before = points.slice(Math.max(0, i - BASELINE_RUNS), i).map((q) => q.medianMs);
    let flagged = false;
    if (before.length >= BASELINE_MIN) {
      const baselineMs = percentile(Float64Array.from(before).sort(), 0.5);
      flagged = baselineMs > 0 && p.medianMs >= (1 + SLOWDOWN) * baselineMs;
      if (flagged && !previousFlagged) {
        const run = runs[p.run];
        const t = run.tests.find((x) => x.boardType === boardType);
        out.push({ run: p.run, increase: p.medianMs / baselineMs - 1, baselineMs, medianMs: p.medianMs, image: t ? imageOf(t, run) : run.imageVersion });
      }
    }
    previousFlagged = flagged;
  });
  return out;
}

/** Per board type, per phase (in OTA order): the series over `runs` (oldest first). */
export function phaseTrends(runs: readonly RunRecord[]): PhaseSeries[] {
  // type -> phase -> points; each run's durations are gathered in small maps of its own first.
  const series = new Map<string, Map<string, PhasePoint[]>>();
  runs.forEach((run, i) => {
    const tonight = new Map<string, Map<string, number[]>>();
    for (const t of run.tests) {
      let byPhase = tonight.get(t.boardType);
      if (!byPhase) tonight.set(t.boardType, (byPhase = new Map()));
      for (const phase in t.phases) {
        const ms = t.phases[phase];
        if (typeof ms !== 'number' || !Number.isFinite(ms)) continue;
        const values = byPhase.get(phase);
        if (values) values.push(ms);
        else byPhase.set(phase, [ms]);
      }
    }
    for (const [type, byPhase] of tonight) {
      let s = series.get(type);
      if (!s) series.set(type, (s = new Map()));
      for (const [phase, values] of byPhase) {
        // A typed array sorts numbers natively: no comparator call per comparison (25,000 sorts for 1,000 nights).
        const sorted = Float64Array.from(values).sort();
        const point = { run: i, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), samples: sorted.length };
        const points = s.get(phase);
        if (points) points.push(point);
        else s.set(phase, [point]);
      }
    }
  });
  const out: PhaseSeries[] = [];
  for (const boardType of [...series.keys()].sort()) {
    const byPhase = series.get(boardType)!;
    for (const phase of [...byPhase.keys()].sort(phaseOrder)) {
      const points = byPhase.get(phase)!;
      out.push({ boardType, phase, points, slowdowns: slowdowns(points, runs, boardType) });
    }
  }
  return out;
}
