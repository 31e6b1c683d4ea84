import { test, type TestInfo } from '@playwright/test';
import { Deadline } from '../wait/deadline.ts';
import { WaitTimeoutError, type FailureClass } from '../errors.ts';
import { silentLogger, type HarnessLogger } from '../logger.ts';
import { noteFailure, notePhase, currentPhase } from './failure-record.ts';

// One OTA phase (download, verify, handoff, install, reboot, confirm; publish; boot to a known
// state): one Deadline from the profile's budget, shared by every wait inside it; a `test.step`
// of the phase's name, so the HTML report and the trace list phases with their durations; and a
// test timeout that leaves the phase its whole budget, so that a slow board ends with the phase
// that overran (its class, what was awaited, the last console lines), never with Playwright's
// generic "Test timeout of N ms exceeded".

/**
 * What the test's timeout keeps beyond a phase's budget: time for the phase's own timeout error
 * to be raised and for the steps after it to run before the next phase starts (noting the
 * board's state over SSH takes a few seconds). Fixture teardown has a slot of its own.
 */
export const PHASE_MARGIN_MS = 60_000;

/**
 * How long past its deadline a phase may run before it is ended from outside: the waits inside
 * it run to the same deadline and say best what was awaited, so they get the first word. A step
 * that does not take the deadline (one SSH command with a time of its own) is cut off here.
 */
export const PHASE_GRACE_MS = 5_000;

const bodyStarts = new WeakMap<TestInfo, number>();

/** The test's clock starts (the first fixture of the test calls this). */
export function noteTestStart(testInfo: TestInfo, at = Date.now()): void {
  bodyStarts.set(testInfo, at);
}

/** Extends the test's timeout, if needed, so that `budgetMs` plus the margin fit in what is left. */
export function makeRoomFor(testInfo: TestInfo, budgetMs: number): void {
  const start = bodyStarts.get(testInfo);
  if (start === undefined) return;
  const needed = Date.now() - start + budgetMs + PHASE_MARGIN_MS;
  if (testInfo.timeout !== 0 && needed > testInfo.timeout) testInfo.setTimeout(needed);
}

function runningTest(): TestInfo | undefined {
  try {
    return test.info();
  } catch {
    return undefined; // outside a test (the bench): no step, no report
  }
}

export interface PhaseOptions {
  /** The harness log, and the board named in its lines. */
  log?: HarnessLogger;
  board?: string;
  /** The class of an error that is not the harness's own (e.g. publishing: every failure is the lab's). */
  otherwise?: FailureClass;
  /** The last console lines, for a phase ended from outside. */
  lastLines?: () => readonly string[];
}

/** Rejects once the phase has run its budget and the grace: whatever was pending in it did not end. */
function overrun(name: string, deadline: Deadline, o: PhaseOptions): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError({ awaited: `the ${name} phase to end`, where: o.board ?? 'the board', timeoutMs: deadline.budgetMs, phase: name, lastLines: o.lastLines?.() ?? [] })),
      deadline.remainingMs() + PHASE_GRACE_MS,
    );
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Runs `body` as the phase `name` with one deadline of `budgetMs`. */
export async function phase<T>(name: string, budgetMs: number, body: (deadline: Deadline) => Promise<T>, o: PhaseOptions = {}): Promise<T> {
  const testInfo = runningTest();
  const log = o.log ?? silentLogger;
  const run = async () => {
    const outer = testInfo && currentPhase(testInfo);
    if (testInfo) {
      notePhase(testInfo, name);
      makeRoomFor(testInfo, budgetMs);
    }
    const deadline = Deadline.after(budgetMs, name);
    log.info({ board: o.board, phase: name, budgetMs }, 'phase start');
    const late = overrun(name, deadline, o);
    const work = body(deadline);
    work.catch(() => undefined); // once the phase is over, its late failure has no one to tell
    try {
      const value = await Promise.race([work, late.promise]);
      log.info({ board: o.board, phase: name, elapsedMs: deadline.elapsedMs() }, 'phase done');
      return value;
    } catch (e) {
      if (testInfo) noteFailure(testInfo, e, { phase: name, otherwise: o.otherwise });
      log.warn({ board: o.board, phase: name, elapsedMs: deadline.elapsedMs(), err: (e as Error).message }, 'phase failed');
      throw e;
    } finally {
      late.cancel();
      if (testInfo) notePhase(testInfo, outer);
    }
  };
  return testInfo ? test.step(name, run) : run();
}
