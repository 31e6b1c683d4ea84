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
//
// A bootloader rollback after the reboot fails the attempt.

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

/** An attempt starts at hubby's allow/refuse decision. */
export function startsAttempt(ev: OtaEvent): boolean {
  return ev.kind === 'ota-allowed' || ev.kind === 'ota-refused';
}

/** Splits a log into OTA attempts: each starts at hubby's allow/refuse decision. Lines before the first belong to none. */
export function splitAttempts(events: readonly OtaEvent[]): OtaEvent[][] {
  const attempts: OtaEvent[][] = [];
  for (const ev of events) {
    if (startsAttempt(ev)) attempts.push([ev]);
    else attempts.at(-1)?.push(ev);
  }
  return attempts;
}

/** What a phase needs of an attempt's events: the first that opens it, the first that ends it after that, the first failure. */
interface PhaseMarks {
  open?: OtaEvent;
  endAfterOpen?: OtaEvent;
  firstFail?: OtaEvent;
}

/**
 * The timeline of one attempt, fed its events one at a time. Keeps only the few events the phases
 * and the verdict are built from, never the list: an attempt of a million lines costs what one of
 * ten does.
 */
export class AttemptTimeline {
  private first: OtaEvent | undefined;
  private readonly marks: PhaseMarks[] = rules.map(() => ({}));
  private validationFailed: OtaEvent | undefined;
  private rollback: OtaEvent | undefined;
  private rebooted = false;
  /** The last running-version at or after the reboot: the version that counts, not one at an earlier start. */
  private running: OtaEvent | undefined;

  add(ev: OtaEvent): void {
    this.first ??= ev;
    rules.forEach((rule, i) => {
      const m = this.marks[i];
      if (!m.open && rule.opens.includes(ev.kind)) m.open = ev;
      if (m.open && !m.endAfterOpen && (rule.closes.includes(ev.kind) || rule.fails.includes(ev.kind))) m.endAfterOpen = ev;
      if (!m.firstFail && rule.fails.includes(ev.kind)) m.firstFail = ev;
    });
    if (ev.kind === 'validation-failed') this.validationFailed ??= ev;
    if (ev.kind === 'bootloader-rollback') this.rollback ??= ev;
    if (rules[4].opens.includes(ev.kind)) this.rebooted = true;
    if (this.rebooted && ev.kind === 'running-version') this.running = ev;
  }

  timeline(year?: number): Timeline {
    const phases = rules.map((r, i) => buildPhase(r, this.marks[i], year));
    const first = this.first;
    const t: Timeline = { phases, verdict: 'incomplete', summary: '' };
    if (first?.kind === 'ota-allowed') {
      t.targetVersion = first.fields.versionNumber;
      t.previousVersion = first.fields.currentVersion;
    }
    if (this.running) t.runningVersion = this.running.fields.versionNumber;
    const failed = phases.find((p) => p.status === 'failed');

    if (first?.kind === 'ota-refused') {
      t.verdict = 'refused';
      t.summary = `hubby refused the image (${first.fields.reason ?? 'not allowed'})`;
    } else if (this.validationFailed) {
      t.verdict = 'rejected';
      t.summary = `the image was rejected by validation: ${this.validationFailed.fields.reason}`;
    } else if (failed) {
      t.verdict = 'failed';
      t.summary = `the ${failed.name} phase failed: ${failed.failure}`;
    } else if (this.rollback) {
      t.verdict = 'failed';
      t.summary = `the new system did not boot: the bootloader rolled back (${this.rollback.line.trim()})`;
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
}

function buildPhase(rule: PhaseRule, marks: PhaseMarks, year?: number): Phase {
  // A failure line can come without an opening line (a header error right after the download).
  const startEv = marks.open ?? marks.firstFail;
  if (!startEv) return { name: rule.name, status: 'not-reached' };
  const endEv = marks.open ? marks.endAfterOpen : marks.firstFail;
  const phase: Phase = { name: rule.name, status: 'open', startLine: startEv.lineNo };
  const start = eventTime(startEv, year);
  if (start !== undefined) phase.start = start;
  if (!endEv) return phase;
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
export function buildTimeline(allEvents: Iterable<OtaEvent>, opts: { year?: number } = {}): Timeline {
  let attempt = new AttemptTimeline();
  for (const ev of allEvents) {
    if (startsAttempt(ev)) attempt = new AttemptTimeline();
    attempt.add(ev);
  }
  return attempt.timeline(opts.year);
}

/**
 * A log's attempts, fed its events in order: each attempt's timeline is handed on when the next
 * one starts, and the last at end(). Memory is that of one attempt, however long the log.
 */
export class AttemptTimelines {
  private current = new AttemptTimeline();
  private inAttempt = false;
  count = 0;

  constructor(private readonly onAttempt: (t: Timeline, index: number) => void, private readonly year?: number) {}

  add(ev: OtaEvent): void {
    if (startsAttempt(ev)) {
      if (this.inAttempt) this.onAttempt(this.current.timeline(this.year), this.count - 1);
      this.current = new AttemptTimeline();
      this.inAttempt = true;
      this.count++;
    }
    this.current.add(ev);
  }

  /** Hands on the last attempt; returns it (or, in a log without an attempt, the timeline of all its events). */
  end(): Timeline {
    const t = this.current.timeline(this.year);
    if (this.inAttempt) this.onAttempt(t, this.count - 1);
    return t;
  }
}
