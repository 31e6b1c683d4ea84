import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { SUMMARY_ATTACHMENT, type OtaTestSummary } from './attach-ota-report.ts';
import { scenarioResult, summaryMarkdown, type ScenarioResult } from './nightly-summary.ts';

/** Writes reports/nightly-summary.{md,json} for the board projects' tests (the unit project is left out). */
export default class NightlySummaryReporter implements Reporter {
  private readonly results = new Map<TestCase, ScenarioResult>();
  constructor(private readonly o: { outputDir?: string } = {}) {}

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? '';
    if (project === 'unit') return;
    const att = result.attachments.find((a) => a.name === SUMMARY_ATTACHMENT && a.body);
    const summary = att ? (JSON.parse(att.body!.toString()) as OtaTestSummary) : undefined;
    this.results.set(
      test,
      scenarioResult({
        board: project,
        scenario: test.titlePath().slice(3).join(' › '),
        status: result.status,
        expectedStatus: test.expectedStatus,
        durationMs: result.duration,
        errorMessage: result.errors.map((e) => e.message ?? '').join('\n'),
        // The board fixture annotates the failure's class and phase (harness/suite/hil-test.ts).
        annotations: result.annotations,
        skipReason: test.annotations.find((a) => a.type === 'skip')?.description,
        summary,
      }),
    );
  }

  onEnd(): void {
    if (this.results.size === 0) return;
    const dir = this.o.outputDir ?? 'reports';
    fs.mkdirSync(dir, { recursive: true });
    const results = [...this.results.values()];
    const now = new Date();
    fs.writeFileSync(path.join(dir, 'nightly-summary.json'), `${JSON.stringify({ generated: now.toISOString(), results }, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'nightly-summary.md'), summaryMarkdown(results, now));
  }
}
