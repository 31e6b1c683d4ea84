import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FullConfig, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { FAILURE_CLASS_ANNOTATION, PHASE_ANNOTATION, type ReportedClass } from '../suite/failure-record.ts';
import { annotationValue, BOARD_ID_ANNOTATION, IMAGE_VERSION_ANNOTATION, type Annotation } from './annotations.ts';
import { redact } from '../secrets.ts';
import { openHistoryStore } from './history-store.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// Appends each run of the board projects to the run history in the rack's store
// (HIL_LEASE_STORE). It never fails a run: a store that cannot be reached is told on stderr, and
// the run's own reports land as always. HIL_IMAGE_VERSION names the image under test when the
// tests do not; HIL_REPORT_URL where this run's HTML report will be (a CI artefact), else the
// html reporter's folder.

const SUMMARY_ATTACHMENT = 'ota-summary'; // harness/report/attach-ota-report.ts
const CLASSES: readonly string[] = ['lab-fault', 'product-failure', 'unclassified'];

interface OtaSummaryAttempt {
  phases?: { name?: unknown; status?: unknown; durationMs?: unknown }[];
}

/** The last OTA attempt of the test's summary attachment, read tolerantly. */
function lastAttempt(result: TestResult): OtaSummaryAttempt | undefined {
  const body = result.attachments.find((a) => a.name === SUMMARY_ATTACHMENT && a.body)?.body;
  if (!body) return undefined;
  try {
    const attempts = (JSON.parse(body.toString()) as { attempts?: unknown }).attempts;
    return Array.isArray(attempts) ? (attempts.at(-1) as OtaSummaryAttempt) : undefined;
  } catch {
    return undefined;
  }
}

function phasesOf(a: OtaSummaryAttempt | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of Array.isArray(a?.phases) ? a.phases : []) {
    if (typeof p.name === 'string' && p.status === 'done' && typeof p.durationMs === 'number') out[p.name] = p.durationMs;
  }
  return out;
}

function gitRevision(dir: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export default class HistoryReporter implements Reporter {
  private readonly tests = new Map<TestCase, TestRecord>();
  private startedAt = new Date();
  private root = process.cwd();
  private reportBase: string | undefined;

  onBegin(config: FullConfig, _suite: Suite): void {
    this.startedAt = new Date();
    this.root = config.configFile ? path.dirname(config.configFile) : process.cwd();
    const html = config.reporter.find(([name]) => name === 'html');
    const folder = (html?.[1] as { outputFolder?: string } | undefined)?.outputFolder ?? 'playwright-report';
    // A signed artefact URL's token is not kept: the history and the page are reports too.
    this.reportBase = (process.env.HIL_REPORT_URL && redact(process.env.HIL_REPORT_URL)) || (html ? pathToFileURL(path.resolve(this.root, folder, 'index.html')).href : undefined);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const project = test.parent.project()?.name ?? '';
    if (project === 'unit') return;
    const annotations: Annotation[] = [...test.annotations, ...(result.annotations ?? [])];
    const attempt = lastAttempt(result);
    // A known limitation (test.fail) that failed as known counts as passed, as in JUnit; one that passed, as failed.
    const status = result.status === 'skipped' ? 'skipped' : (result.status === 'passed') === (test.expectedStatus !== 'failed') ? 'passed' : 'failed';
    const t: TestRecord = {
      boardId: annotationValue(annotations, BOARD_ID_ANNOTATION) ?? project,
      boardType: project,
      scenario: test.titlePath().slice(3).join(' › '),
      status,
      phases: phasesOf(attempt),
      durationMs: result.duration,
    };
    // Not the versionNumber the test pushed: the suites make a new record per test, so each test
    // would be an image of its own and no scenario could ever be seen flaky.
    const image = annotationValue(annotations, IMAGE_VERSION_ANNOTATION) ?? (process.env.HIL_IMAGE_VERSION || undefined);
    if (image) t.imageVersion = image;
    if (this.reportBase) t.reportLink = `${this.reportBase}#?testId=${test.id}`;
    if (status === 'failed') {
      const c = annotationValue(annotations, FAILURE_CLASS_ANNOTATION);
      t.failureClass = (c && CLASSES.includes(c) ? c : 'unclassified') as ReportedClass;
      const phase = annotationValue(annotations, PHASE_ANNOTATION);
      if (phase) t.failedPhase = phase;
      // eslint-disable-next-line no-control-regex
      t.failure = redact((result.errors[0]?.message ?? 'failed').replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0].slice(0, 300));
    }
    this.tests.set(test, t);
  }

  async onEnd(): Promise<void> {
    if (this.tests.size === 0) return;
    const tests = [...this.tests.values()];
    const run: RunRecord = { runId: `run ${this.startedAt.toISOString()} ${os.hostname()}:${process.pid}`, startedAt: this.startedAt, tests };
    const revision = gitRevision(this.root);
    if (revision) run.gitRevision = revision;
    const images = new Set(tests.map((t) => t.imageVersion));
    const image = process.env.HIL_IMAGE_VERSION || (images.size === 1 ? [...images][0] : undefined);
    if (image) run.imageVersion = image;
    try {
      const store = await openHistoryStore(process.env.HIL_LEASE_STORE, this.root);
      try {
        await store.append(run);
      } finally {
        await store.close();
      }
    } catch (e) {
      process.stderr.write(`hil history: this run (${tests.length} tests) was not recorded in the run history: ${redact((e as Error).message.split('\n')[0])}; its reports are written as always\n`);
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}
