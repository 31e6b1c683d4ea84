import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", counting each test once by
 * its final outcome (a flaky test that passed on retry counts as passed). CI and wrappers read it.
 */
export default class SummaryLineReporter implements Reporter {
  private readonly outcome = new Map<TestCase, ReturnType<TestCase['outcome']>>();

  onTestEnd(test: TestCase, _result: TestResult): void {
    this.outcome.set(test, test.outcome());
  }

  onEnd(result: FullResult): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const o of this.outcome.values()) {
      if (o === 'expected' || o === 'flaky') passed++;
      else if (o === 'skipped') skipped++;
      else failed++;
    }
    // A run that broke before or between tests (config error, global setup, interrupted) fails too.
    if (result.status !== 'passed' && failed === 0) failed = 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
