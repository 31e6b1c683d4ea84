import type { OtaTestSummary } from './attach-ota-report.ts';
import { failureClassOf, type FailureClass } from '../errors.ts';

// The nightly summary: per board, each scenario's result, its phase durations, and for a failure
// whether the lab (board unreachable, serial gone, no OTA event at all) or the product
// (validation failed, no slot switch, data changed) was at fault. Pure: the reporter feeds it.

export interface ScenarioResult {
  board: string;
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  failureClass?: FailureClass;
  failure?: string;
  skipReason?: string;
  /** Phase durations (ms) of the last OTA attempt. */
  phases?: Record<string, number | undefined>;
  verdict?: string;
}

export function classifyFailure(message: string, summary: OtaTestSummary | undefined): FailureClass {
  // The harness's own errors say so; a failed check (expect) on a board that saw OTA events is the product's.
  return failureClassOf(message) ?? (summary && summary.eventCount > 0 ? 'product-failure' : 'lab-fault');
}

export function scenarioResult(o: { board: string; scenario: string; status: string; durationMs: number; errorMessage?: string; skipReason?: string; summary?: OtaTestSummary }): ScenarioResult {
  const status = o.status === 'passed' ? 'passed' : o.status === 'skipped' ? 'skipped' : 'failed';
  const last = o.summary?.attempts.at(-1);
  const r: ScenarioResult = { board: o.board, scenario: o.scenario, status, durationMs: o.durationMs };
  if (last) {
    r.verdict = last.verdict;
    r.phases = Object.fromEntries(last.phases.map((p) => [p.name, p.durationMs]));
  }
  if (status === 'failed') {
    r.failureClass = classifyFailure(o.errorMessage ?? '', o.summary);
    // eslint-disable-next-line no-control-regex
    r.failure = (o.errorMessage ?? 'failed').replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0].slice(0, 300);
  }
  if (status === 'skipped') r.skipReason = o.skipReason;
  return r;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function summaryMarkdown(results: readonly ScenarioResult[], when: Date): string {
  const out = [`# OTA nightly summary`, '', `Run ${when.toISOString()}.`, ''];
  const boards = [...new Set(results.map((r) => r.board))];
  for (const b of boards) {
    const rs = results.filter((r) => r.board === b);
    const count = (s: string) => rs.filter((r) => r.status === s).length;
    const lab = rs.filter((r) => r.failureClass === 'lab-fault').length;
    out.push(`## ${b}: ${count('passed')} passed, ${count('failed')} failed (${lab} lab faults, ${count('failed') - lab} product failures), ${count('skipped')} skipped`, '');
    out.push('| scenario | result | download | verify | handoff | install | reboot | total | note |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of rs) {
      const result = r.status === 'failed' ? `FAILED (${r.failureClass === 'lab-fault' ? 'lab fault' : 'product failure'})` : r.status;
      const note = (r.failure ?? r.skipReason ?? r.verdict ?? '').replace(/\|/g, '\\|');
      const p = r.phases ?? {};
      out.push(`| ${r.scenario.replace(/\|/g, '\\|')} | ${result} | ${seconds(p.download)} | ${seconds(p.verify)} | ${seconds(p.handoff)} | ${seconds(p.install)} | ${seconds(p.reboot)} | ${seconds(r.durationMs)} | ${note} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
