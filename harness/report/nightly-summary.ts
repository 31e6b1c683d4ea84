import type { OtaTestSummary } from './attach-ota-report.ts';
import { FAILURE_CLASS_ANNOTATION, PHASE_ANNOTATION, type ReportedClass } from '../suite/failure-record.ts';
import { annotationValue, BOARD_ID_ANNOTATION } from '../history/annotations.ts';

// The nightly summary: per board, each scenario's result, its phase durations, and for a failure
// whether the lab (board unreachable, serial gone, no OTA event at all) or the product
// (validation failed, no slot switch, data changed) was at fault, and in which phase. The class
// is the test's `failure-class` annotation (set from the live error, harness/suite/failure-record.ts),
// never guessed from the message: a failure without one is `unclassified`. Pure: the reporter feeds it.

export interface ScenarioResult {
  /** The board type (the project). */
  board: string;
  /** The physical board that ran it (the rack's board id), when the fixture leased one. */
  boardId?: string;
  boardTags?: string[];
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  failureClass?: ReportedClass;
  /** The phase the failure happened in. */
  failedPhase?: string;
  failure?: string;
  skipReason?: string;
  /** A test marked as a known product limitation (test.fail) that failed as it is known to: the reason, and how it failed. */
  knownLimitation?: { reason: string; failure: string };
  /** Phase durations (ms) of the last OTA attempt. */
  phases?: Record<string, number | undefined>;
  verdict?: string;
}

const reportedClasses: readonly string[] = ['lab-fault', 'product-failure', 'unclassified'] satisfies ReportedClass[];

/** The class a failed test's annotations give; `unclassified` when none (or an unknown one) is there. */
export function failureClassOf(annotations: readonly { type: string; description?: string }[]): ReportedClass {
  const d = annotations.filter((a) => a.type === FAILURE_CLASS_ANNOTATION).at(-1)?.description ?? '';
  return reportedClasses.includes(d) ? (d as ReportedClass) : 'unclassified';
}

export function scenarioResult(o: {
  board: string;
  scenario: string;
  status: string;
  /** Playwright's expected status: 'failed' for a test marked as a known limitation (test.fail). */
  expectedStatus?: string;
  durationMs: number;
  errorMessage?: string;
  annotations?: readonly { type: string; description?: string }[];
  skipReason?: string;
  summary?: OtaTestSummary;
}): ScenarioResult {
  const firstLine = (m: string) => m.replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0].slice(0, 300); // eslint-disable-line no-control-regex
  // A known limitation (test.fail) passes by failing, as Playwright and JUnit count it; one that
  // passed is a failure: the limitation, or the profile that declares it, is out of date.
  const limitation = o.expectedStatus === 'failed' && o.status !== 'skipped' ? (o.annotations?.find((a) => a.type === 'fail')?.description ?? 'a known limitation') : undefined;
  const ok = limitation ? o.status !== 'passed' : o.status === 'passed';
  const status = o.status === 'skipped' ? 'skipped' : ok ? 'passed' : 'failed';
  const last = o.summary?.attempts.at(-1);
  const r: ScenarioResult = { board: o.board, scenario: o.scenario, status, durationMs: o.durationMs };
  const boardId = annotationValue(o.annotations ?? [], BOARD_ID_ANNOTATION);
  if (boardId) r.boardId = boardId;
  const tags = annotationValue(o.annotations ?? [], 'board-tags');
  if (tags) r.boardTags = tags.split(',');
  if (last) {
    r.verdict = last.verdict;
    r.phases = Object.fromEntries(last.phases.map((p) => [p.name, p.durationMs]));
  }
  if (status === 'failed') {
    r.failureClass = failureClassOf(o.annotations ?? []);
    const phase = o.annotations?.filter((a) => a.type === PHASE_ANNOTATION).at(-1)?.description;
    if (phase) r.failedPhase = phase;
    r.failure = limitation ? `marked as a known limitation (${limitation}) but passed: the limitation or the profile is out of date` : firstLine(o.errorMessage ?? 'failed');
  }
  if (limitation && status === 'passed') r.knownLimitation = { reason: limitation, failure: firstLine(o.errorMessage ?? 'failed') };
  if (status === 'skipped') r.skipReason = o.skipReason;
  return r;
}

const classWords: Record<ReportedClass, string> = { 'lab-fault': 'lab fault', 'product-failure': 'product failure', unclassified: 'unclassified' };

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function summaryMarkdown(results: readonly ScenarioResult[], when: Date): string {
  const out = [`# OTA nightly summary`, '', `Run ${when.toISOString()}.`, ''];
  // One section per physical board: "sama5d2 board sama5d2-2 [usb-power]", or the type alone.
  const sectionOf = (r: ScenarioResult) => (r.boardId && r.boardId !== r.board ? `${r.board} board ${r.boardId}${r.boardTags?.length ? ` [${r.boardTags.join(', ')}]` : ''}` : r.board);
  const boards = [...new Set(results.map(sectionOf))];
  for (const b of boards) {
    const rs = results.filter((r) => sectionOf(r) === b);
    const count = (s: string) => rs.filter((r) => r.status === s).length;
    const failed = (c: ReportedClass) => rs.filter((r) => r.status === 'failed' && r.failureClass === c).length;
    const unclassified = failed('unclassified') ? `, ${failed('unclassified')} unclassified` : '';
    out.push(`## ${b}: ${count('passed')} passed, ${count('failed')} failed (${failed('lab-fault')} lab faults, ${failed('product-failure')} product failures${unclassified}), ${count('skipped')} skipped`, '');
    out.push('| scenario | result | download | verify | handoff | install | reboot | total | note |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of rs) {
      const result = r.status === 'failed' ? `FAILED (${classWords[r.failureClass ?? 'unclassified']}${r.failedPhase ? `, in ${r.failedPhase}` : ''})` : r.knownLimitation ? 'passed (failed as a known limitation)' : r.status;
      const note = (r.failure ?? (r.knownLimitation && `${r.knownLimitation.reason}: ${r.knownLimitation.failure}`) ?? r.skipReason ?? r.verdict ?? '').replace(/\|/g, '\\|');
      const p = r.phases ?? {};
      out.push(`| ${r.scenario.replace(/\|/g, '\\|')} | ${result} | ${seconds(p.download)} | ${seconds(p.verify)} | ${seconds(p.handoff)} | ${seconds(p.install)} | ${seconds(p.reboot)} | ${seconds(r.durationMs)} | ${note} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
