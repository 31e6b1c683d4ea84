import type { TestInfo } from '@playwright/test';
import { isHilError, type FailureClass } from '../errors.ts';

// A failed test's class (lab fault or product failure) and phase, carried as data into the
// report as annotations. Playwright keeps only a serialized copy of the test's error (message and
// stack), so the class is read from the live error where it passes through the harness (each OTA
// phase, the board fixture's setup) and matched to the test's error when the test ends.

export const FAILURE_CLASS_ANNOTATION = 'failure-class';
export const PHASE_ANNOTATION = 'phase';

/** What the report says of a failure; `unclassified`: an error the harness did not raise or see (a bug, or a check outside any phase). */
export type ReportedClass = FailureClass | 'unclassified';

export interface FailureNote {
  failureClass: FailureClass;
  phase?: string;
}

interface TestNotes {
  notes: { error: Error; note: FailureNote }[];
  /** The phase under way, for a Playwright timeout (nothing else says where the time went). */
  phase?: string;
}

const records = new WeakMap<TestInfo, TestNotes>();
/** Errors of the worker's own fixtures (the profile, the lab, the virtual board's build): they fail every test of the worker. */
const workerNotes: TestNotes['notes'] = [];

function recordOf(testInfo: TestInfo): TestNotes {
  let r = records.get(testInfo);
  if (!r) records.set(testInfo, (r = { notes: [] }));
  return r;
}

/**
 * Notes the class of an error passing through `phase`: a HilError carries its own; a failed
 * `expect` (Playwright's matcher error) in a phase is a check of the product that failed; any
 * other error takes `otherwise` when given (a phase where everything is the lab's, as publishing).
 * The innermost note of an error wins.
 */
export function noteFailure(testInfo: TestInfo, error: unknown, o: { phase?: string; otherwise?: FailureClass } = {}): void {
  if (!(error instanceof Error)) return;
  const r = recordOf(testInfo);
  if (r.notes.some((n) => n.error === error)) return;
  const failureClass = isHilError(error) ? error.failureClass : 'matcherResult' in error ? 'product-failure' : o.otherwise;
  if (!failureClass) return;
  r.notes.push({ error, note: { failureClass, phase: (isHilError(error) && error.phase) || o.phase } });
}

/** Notes a worker fixture's failure: setting up the lab is the lab's, whatever the error. */
export function noteWorkerFailure(error: unknown, phase: string): void {
  if (error instanceof Error && !workerNotes.some((n) => n.error === error)) {
    workerNotes.push({ error, note: { failureClass: isHilError(error) ? error.failureClass : 'lab-fault', phase: (isHilError(error) && error.phase) || phase } });
  }
}

/** Sets (or, with undefined, ends) the phase under way. */
export function notePhase(testInfo: TestInfo, phase: string | undefined): void {
  recordOf(testInfo).phase = phase;
}

export function currentPhase(testInfo: TestInfo): string | undefined {
  return records.get(testInfo)?.phase;
}

/** The class and phase of the test's failure, once the test body has ended; undefined when it did not fail. */
export function classifyTestFailure(testInfo: TestInfo): { failureClass: ReportedClass; phase?: string } | undefined {
  const r = records.get(testInfo);
  if (testInfo.status === 'timedOut') {
    // The test's own time ran out before any phase's deadline: nothing showed the product misbehaved.
    return { failureClass: 'lab-fault', phase: r?.phase };
  }
  if (testInfo.status !== 'failed') return undefined;
  const first = testInfo.errors[0]?.message ?? '';
  // Playwright's copy is "Name: message"; the live error's message is inside it.
  const hit = [...(r?.notes ?? []), ...workerNotes].find((n) => n.error.message && first.includes(n.error.message));
  return hit ? hit.note : { failureClass: 'unclassified', phase: r?.phase };
}

/** Puts the class and phase of a failed test into its annotations, where reporters read them. */
export function annotateFailure(testInfo: TestInfo): void {
  const c = classifyTestFailure(testInfo);
  if (!c) return;
  testInfo.annotations.push({ type: FAILURE_CLASS_ANNOTATION, description: c.failureClass });
  if (c.phase) testInfo.annotations.push({ type: PHASE_ANNOTATION, description: c.phase });
}
