import type { ReportedClass } from '../suite/failure-record.ts';

// One run of the OTA suites as the history keeps it: what was tested (git revision, image
// version) and, per test, on which board, with what result, class, phase and phase durations.

export interface TestRecord {
  /** The board instance (rack id); the board type when the run did not say. */
  boardId: string;
  /** The Playwright project: the board type (sama5d2, bbgw, virtual). */
  boardType: string;
  /** The test's title path below its file ("full update: ..."). */
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  failureClass?: ReportedClass;
  failedPhase?: string;
  /** The failure's first line. */
  failure?: string;
  /** Durations (ms) of the OTA phases that completed, by phase name. */
  phases: Record<string, number>;
  durationMs: number;
  imageVersion?: string;
  /** Where this test's report is (a URL, or a file path). */
  reportLink?: string;
}

export interface RunRecord {
  runId: string;
  startedAt: Date;
  gitRevision?: string;
  /** The image under test, when the whole run tested one. */
  imageVersion?: string;
  tests: TestRecord[];
}

/** What a grid cell shows. Unclassified counts as a product failure wherever a verdict is needed. */
export type Outcome = 'passed' | 'product-failure' | 'unclassified' | 'lab-fault' | 'skipped';

export function outcomeOf(t: Pick<TestRecord, 'status' | 'failureClass'>): Outcome {
  if (t.status !== 'failed') return t.status;
  return t.failureClass ?? 'unclassified';
}

/** A failure the product is (or may be) to blame for. */
export const isProductSide = (o: Outcome): boolean => o === 'product-failure' || o === 'unclassified';

/** The image a test ran: its own, else the run's. */
export const imageOf = (t: TestRecord, run: RunRecord): string | undefined => t.imageVersion ?? run.imageVersion;

export const outcomeWords: Record<Outcome, string> = {
  passed: 'passed',
  'product-failure': 'product failure',
  unclassified: 'unclassified failure',
  'lab-fault': 'lab fault',
  skipped: 'skipped',
};
