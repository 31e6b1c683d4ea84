import { imageOf, isProductSide, outcomeOf, type Outcome, type RunRecord } from './run-record.ts';

// One run as the trend page and the verdicts need it, made in one pass over its tests: per
// (board type, scenario) the night's cell and what the verdicts count, per board its lab faults,
// per (board type, OTA phase) the night's median and p90. A thousand nights of 500 tests are a
// thousand small digests: the SQLite store keeps each run's digest beside its tests, so the page
// reads a few MB instead of parsing 500,000 tests.

/** Bumped when the digest's shape or meaning changes: a stored digest of another version is made again from the tests. */
export const DIGEST_VERSION = 1;

const rank: Record<Outcome, number> = { 'product-failure': 5, unclassified: 4, 'lab-fault': 3, passed: 2, skipped: 1 };

/** A (board type, scenario) on one night. */
export interface RowNight {
  boardType: string;
  scenario: string;
  /** The worst outcome of the night's boards, and (a failure's) the test that had it. */
  outcome: Outcome;
  board?: string;
  failedPhase?: string;
  reportLink?: string;
  counts: Partial<Record<Outcome, number>>;
  /** Bit 1: some board passed; bit 2: some board failed on the product side. */
  bits: number;
  /** The phase of the night's last product-side failure. */
  lastFailedPhase?: string;
  /** Per image (`run <id>` when unknown): the bits of its tests. */
  images: [image: string, bits: number][];
}

export interface BoardNight {
  boardId: string;
  boardType: string;
  labFaults: number;
}

export interface PhaseNight {
  boardType: string;
  phase: string;
  medianMs: number;
  p90Ms: number;
  samples: number;
  /** The image the night's first test of the type ran. */
  image?: string;
}

export interface RunDigest {
  runId: string;
  startedAt: Date;
  gitRevision?: string;
  imageVersion?: string;
  /** The run's report: its tests' first link without the part that picks the test. */
  report?: string;
  tests: number;
  rows: RowNight[];
  boards: BoardNight[];
  phases: PhaseNight[];
}

/** What the store keeps of a digest (the run's own columns hold the rest). */
export type StoredDigest = Omit<RunDigest, 'runId' | 'startedAt' | 'gitRevision' | 'imageVersion'> & { v: number };

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function digestRun(run: RunRecord): RunDigest {
  const rows = new Map<string, RowNight & { imageBits: Map<string, number> }>();
  const boards = new Map<string, BoardNight>();
  // type -> phase -> durations; type -> image of its first test.
  const durations = new Map<string, Map<string, number[]>>();
  const typeImage = new Map<string, string | undefined>();
  let report: string | undefined;
  for (const t of run.tests) {
    const o = outcomeOf(t);
    if (report === undefined && t.reportLink) report = t.reportLink.replace(/#.*$/, '');
    const key = `${t.boardType}\u0000${t.scenario}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { boardType: t.boardType, scenario: t.scenario, outcome: o, board: t.boardId, failedPhase: t.failedPhase, reportLink: t.reportLink, counts: {}, bits: 0, images: [], imageBits: new Map() }));
    else if (rank[o] > rank[r.outcome]) Object.assign(r, { outcome: o, board: t.boardId, failedPhase: t.failedPhase, reportLink: t.reportLink });
    r.counts[o] = (r.counts[o] ?? 0) + 1;
    const bit = o === 'passed' ? 1 : isProductSide(o) ? 2 : 0;
    if (bit) {
      if (bit === 2) r.lastFailedPhase = t.failedPhase;
      r.bits |= bit;
      const image = imageOf(t, run) ?? `run ${run.runId}`;
      r.imageBits.set(image, (r.imageBits.get(image) ?? 0) | bit);
    }
    let b = boards.get(t.boardId);
    if (!b) boards.set(t.boardId, (b = { boardId: t.boardId, boardType: t.boardType, labFaults: 0 }));
    if (o === 'lab-fault') b.labFaults++;
    if (!typeImage.has(t.boardType)) typeImage.set(t.boardType, imageOf(t, run));
    let byPhase = durations.get(t.boardType);
    if (!byPhase) durations.set(t.boardType, (byPhase = new Map()));
    for (const phase in t.phases) {
      const ms = t.phases[phase];
      if (typeof ms !== 'number' || !Number.isFinite(ms)) continue;
      const values = byPhase.get(phase);
      if (values) values.push(ms);
      else byPhase.set(phase, [ms]);
    }
  }
  const phases: PhaseNight[] = [];
  for (const [boardType, byPhase] of durations) {
    for (const [phase, values] of byPhase) {
      // A typed array sorts numbers natively, with no comparator call per comparison.
      const sorted = Float64Array.from(values).sort();
      phases.push({ boardType, phase, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), samples: sorted.length, image: typeImage.get(boardType) });
    }
  }
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    gitRevision: run.gitRevision,
    imageVersion: run.imageVersion,
    report,
    tests: run.tests.length,
    rows: [...rows.values()].map(({ imageBits, ...r }) => {
      const row = { ...r, images: [...imageBits] };
      // A cell that passed or was skipped names no test: the grid shows a failure's board and link only.
      if (r.outcome === 'passed' || r.outcome === 'skipped') Object.assign(row, { board: undefined, failedPhase: undefined, reportLink: undefined });
      return row;
    }),
    boards: [...boards.values()],
    // In one order whatever order a store kept the phases in (jsonb sorts an object's keys).
    phases: phases.sort((a, b) => (a.boardType === b.boardType ? (a.phase < b.phase ? -1 : 1) : a.boardType < b.boardType ? -1 : 1)),
  };
}

export function storedDigest(d: RunDigest): StoredDigest {
  return { v: DIGEST_VERSION, report: d.report, tests: d.tests, rows: d.rows, boards: d.boards, phases: d.phases };
}

/** A stored digest back with its run's columns; undefined when it is of another version (make it again from the tests). */
export function fromStored(text: string, run: Pick<RunDigest, 'runId' | 'startedAt' | 'gitRevision' | 'imageVersion'>): RunDigest | undefined {
  const { v, ...d } = JSON.parse(text) as StoredDigest;
  return v === DIGEST_VERSION ? { ...run, ...d } : undefined;
}
