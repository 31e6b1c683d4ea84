import { phaseNames } from '../logs/timeline.ts';
import { digestRun, percentile, type RunDigest } from './run-digest.ts';
import type { RunRecord } from './run-record.ts';

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

const phaseOrder = (a: string, b: string): number => {
  const ia = (phaseNames as readonly string[]).indexOf(a);
  const ib = (phaseNames as readonly string[]).indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
};

function slowdowns(points: readonly PhasePoint[], images: readonly (string | undefined)[]): Slowdown[] {
  const out: Slowdown[] = [];
  let previousFlagged = false;
  points.forEach((p, i) => {
    const before = points.slice(Math.max(0, i - BASELINE_RUNS), i).map((q) => q.medianMs);
    let flagged = false;
    if (before.length >= BASELINE_MIN) {
      const baselineMs = percentile(Float64Array.from(before).sort(), 0.5);
      flagged = baselineMs > 0 && p.medianMs >= (1 + SLOWDOWN) * baselineMs;
      if (flagged && !previousFlagged) out.push({ run: p.run, increase: p.medianMs / baselineMs - 1, baselineMs, medianMs: p.medianMs, image: images[i] });
    }
    previousFlagged = flagged;
  });
  return out;
}

/** Per board type, per phase (in OTA order): the series over `runs` (oldest first). */
export function phaseTrends(runs: readonly RunRecord[]): PhaseSeries[] {
  return phaseTrendsOf(runs.map(digestRun));
}

/** The same from the runs' digests (each night's median and p90 are made with the digest). */
export function phaseTrendsOf(runs: readonly RunDigest[]): PhaseSeries[] {
  // type -> phase -> points, and the image of each point's night.
  const series = new Map<string, Map<string, { points: PhasePoint[]; images: (string | undefined)[] }>>();
  runs.forEach((run, i) => {
    for (const n of run.phases) {
      let s = series.get(n.boardType);
      if (!s) series.set(n.boardType, (s = new Map()));
      let line = s.get(n.phase);
      if (!line) s.set(n.phase, (line = { points: [], images: [] }));
      line.points.push({ run: i, medianMs: n.medianMs, p90Ms: n.p90Ms, samples: n.samples });
      line.images.push(n.image);
    }
  });
  const out: PhaseSeries[] = [];
  for (const boardType of [...series.keys()].sort()) {
    const byPhase = series.get(boardType)!;
    for (const phase of [...byPhase.keys()].sort(phaseOrder)) {
      const { points, images } = byPhase.get(phase)!;
      out.push({ boardType, phase, points, slowdowns: slowdowns(points, images) });
    }
  }
  return out;
}
