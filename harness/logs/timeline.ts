import type { OtaEventKind } from './catalog.ts';
import { eventTime, type OtaEvent } from './parse.ts';

// An OTA attempt as phases with start, end and duration, and a verdict, built from its events.
// Each phase is defined by the events that open it and the events that close it, well or badly:
//
//   download  DownloadFile                       -> CheckMultiInfos done (200) | DownloadDone error
//   verify    LocalOtaComplete / sha / verify    -> HandleValidateOTA(0)       | (1), header or size error
//   handoff   HandleValidateOTA(0)               -> sysupgrade called          | otamgr error, no sysupgrade
//   install   sysupgrade called                  -> reboot                     | sysupgrade error
//   reboot    reboot (or bootloader/kernel seen) -> hubby's running version

export const phaseNames = ['download', 'verify', 'handoff', 'install', 'reboot'] as const;
export type PhaseName = (typeof phaseNames)[number];
export type PhaseStatus = 'done' | 'failed' | 'open' | 'not-reached';

export interface Phase {
  name: PhaseName;
  status: PhaseStatus;
  /** ms since the epoch (live) or of the syslog time; absent when the lines carry no time. */
  start?: number;
  end?: number;
  durationMs?: number;
  startLine?: number;
  endLine?: number;
  /** For a failed phase: the line that ended it. */
  failure?: string;
}

export type Verdict = 'updated' | 'rejected' | 'refused' | 'failed' | 'incomplete';

export interface Timeline {
  phases: Phase[];
  verdict: Verdict;
  /** One sentence a person reads first. */
  summary: string;
  targetVersion?: string;
  previousVersion?: string;
  runningVersion?: string;
}

interface PhaseRule {
  name: PhaseName;
  opens: OtaEventKind[];
  closes: OtaEventKind[];
  fails: OtaEventKind[];
}

const rules: PhaseRule[] = [
  { name: 'download', opens: ['download-start'], closes: ['download-done'], fails: ['download-failed'] },
  { name: 'verify', opens: ['image-received', 'sha-start', 'sha-generated', 'verify-start', 'verify-done'], closes: ['validated'], fails: ['validation-failed'] },
  { name: 'handoff', opens: ['validated'], closes: ['sysupgrade-invoked'], fails: ['otamgr-failed', 'sysupgrade-missing'] },
  { name: 'install', opens: ['sysupgrade-invoked'], closes: ['reboot'], fails: ['install-failed', 'sysupgrade-missing'] },
  { name: 'reboot', opens: ['reboot', 'bootloader', 'kernel-boot'], closes: ['running-version'], fails: [] },
];

/** Splits a log into OTA attempts: each starts at hubby's allow/refuse decision. Lines before the first belong to none. */
export function splitAttempts(events: readonly OtaEvent[]): OtaEvent[][] {
  const attempts: OtaEvent[][] = [];
  for (const ev of events) {
    if (ev.kind === 'ota-allowed' || ev.kind === 'ota-refused') attempts.push([ev]);
    else attempts.at(-1)?.push(ev);
  }
  return attempts;
}

function buildPhase(rule: PhaseRule, events: readonly OtaEvent[], year?: number): Phase {
  const open = events.findIndex((e) => rule.opens.includes(e.kind));
  // A failure line can come without an opening line (a header error right after the download).
  const firstFail = events.findIndex((e) => rule.fails.includes(e.kind));
  const startIdx = open >= 0 ? open : firstFail;
  if (startIdx < 0) return { name: rule.name, status: 'not-reached' };
  const startEv = events[startIdx];
  const endIdx = events.findIndex((e, i) => i >= startIdx && (rule.closes.includes(e.kind) || rule.fails.includes(e.kind)));
  const phase: Phase = { name: rule.name, status: 'open', startLine: startEv.lineNo };
  const start = eventTime(startEv, year);
  if (start !== undefined) phase.start = start;
  if (endIdx < 0) return phase;
  const endEv = events[endIdx];
  const badDownload = endEv.kind === 'download-done' && endEv.fields.httpStatus !== undefined && endEv.fields.httpStatus !== 200;
  phase.status = rule.fails.includes(endEv.kind) || badDownload ? 'failed' : 'done';
  if (phase.status === 'failed') phase.failure = endEv.line;
  phase.endLine = endEv.lineNo;
  const end = eventTime(endEv, year);
  if (end !== undefined) phase.end = end;
  if (phase.start !== undefined && phase.end !== undefined) phase.durationMs = phase.end - phase.start;
  return phase;
}

/** The timeline of one attempt (pass the events of one attempt, or a whole log to judge its last attempt). */
export function buildTimeline(allEvents: readonly OtaEvent[], opts: { year?: number } = {}): Timeline {
  const attempts = splitAttempts(allEvents);
  const events = attempts.at(-1) ?? [...allEvents];
  const phases = rules.map((r) => buildPhase(r, events, opts.year));
  const first = events[0];
  const t: Timeline = { phases, verdict: 'incomplete', summary: '' };
  if (first?.kind === 'ota-allowed') {
    t.targetVersion = first.fields.versionNumber;
    t.previousVersion = first.fields.currentVersion;
  }
  const has = (k: OtaEventKind) => events.find((e) => e.kind === k);
  // The version that counts is the one hubby reports after the reboot, not at an earlier start.
  const rebootIdx = events.findIndex((e) => rules[4].opens.includes(e.kind));
  const running = rebootIdx < 0 ? undefined : [...events.slice(rebootIdx)].reverse().find((e) => e.kind === 'running-version');
  if (running) t.runningVersion = running.fields.versionNumber;
  const failed = phases.find((p) => p.status === 'failed');

  if (first?.kind === 'ota-refused') {
    t.verdict = 'refused';
    t.summary = `hubby refused the image (${first.fields.reason ?? 'not allowed'})`;
  } else if (has('validation-failed')) {
    t.verdict = 'rejected';
    t.summary = `the image was rejected by validation: ${has('validation-failed')!.fields.reason}`;
  } else if (failed) {
    t.verdict = 'failed';
    t.summary = `the ${failed.name} phase failed: ${failed.failure}`;
  } else if (t.runningVersion !== undefined && phases[4].status === 'done') {
    if (t.targetVersion !== undefined && t.runningVersion !== t.targetVersion) {
      t.verdict = 'failed';
      t.summary = `after the reboot the board runs version ${t.runningVersion}, not the new ${t.targetVersion} (rolled back or not installed)`;
    } else {
      t.verdict = 'updated';
      t.summary = `updated${t.previousVersion !== undefined ? ` from version ${t.previousVersion}` : ''} to version ${t.runningVersion}`;
    }
  } else {
    const reached = [...phases].reverse().find((p) => p.status !== 'not-reached');
    t.verdict = 'incomplete';
    t.summary = first ? (reached ? `the log ends during the ${reached.name} phase` : 'the log ends before the download started') : 'no OTA attempt in the log';
  }
  return t;
}
