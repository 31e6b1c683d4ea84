import fs from 'node:fs';
import { catalog, matchEntry, matchedPart, MAX_MATCHED_LINE, type OtaEventFields, type OtaEventKind } from './catalog.ts';
import { normalizeConsoleText } from '../console/text-normalizer.ts';
import { LineSplitter } from './line-splitter.ts';

export interface OtaEvent {
  kind: OtaEventKind;
  /** The whole line, normalized (no CR, no escape sequences). */
  line: string;
  /** 1-based line number in its source. */
  lineNo: number;
  /** When the harness saw the line (ms since the epoch), for a live source. */
  seenAt?: number;
  /** The syslog timestamp as written in the line ("Oct 30 21:11:55"), when the line has one. */
  syslogTime?: string;
  /** For a line without a time of its own (kernel, bootloader): the syslog time of the nearest earlier line that has one. */
  timeAfter?: string;
  host?: string;
  program?: string;
  pid?: number;
  fields: OtaEventFields;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SYSLOG = /(?<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?<day>\d{1,2}) (?<time>\d\d:\d\d:\d\d) (?<host>\S+) (?<prog>[^\s[\]:]+)(?:\[(?<pid>\d+)\])?: /;

/** klogd's prefix on kernel lines copied into syslog, with or without the host. */
const KLOGD = /(?:^|\s)kernel: /;

/** Parses one line; undefined when it is not an OTA line. A line past MAX_MATCHED_LINE is cut first. */
export function parseLine(fullLine: string, lineNo: number, seenAt?: number): OtaEvent | undefined {
  const line = matchedPart(fullLine);
  let s: RegExpExecArray | null | undefined;
  for (const entry of catalog) {
    const m = matchEntry(entry, line);
    if (!m) continue;
    if (s === undefined) s = SYSLOG.exec(line);
    const prefixed = !!s && s.index < m.index;
    // Kernel and bootloader lines count as the console prints them. klogd's copy in syslog comes
    // later (and again when a follower replays this boot's log): it would repeat the boot.
    if ((entry.source === 'kernel' || entry.source === 'bootloader') && (prefixed || KLOGD.test(line.slice(0, m.index)))) continue;
    const ev: OtaEvent = { kind: entry.kind, line, lineNo, fields: entry.fields?.(m) ?? {} };
    if (seenAt !== undefined) ev.seenAt = seenAt;
    if (prefixed && s?.groups) {
      ev.syslogTime = timeOfMatch(s);
      ev.host = s.groups.host;
      ev.program = s.groups.prog;
      if (s.groups.pid) ev.pid = Number(s.groups.pid);
    }
    return ev;
  }
  return undefined;
}

/**
 * The events of a captured log, one line at a time, with line numbers and the time of the nearest
 * earlier timed line for lines without their own. Keeps no line and no event: its memory is fixed.
 */
export class LogParser {
  private lineNo = 0;
  private lastTime: string | undefined;

  push(line: string): OtaEvent | undefined {
    const ev = parseLine(line, ++this.lineNo);
    const time = ev ? ev.syslogTime ?? syslogTimeOf(ev.line) : syslogTimeOf(matchedPart(line));
    if (ev && !ev.syslogTime && this.lastTime) ev.timeAfter = this.lastTime;
    if (time) this.lastTime = time;
    return ev;
  }

  get lines(): number {
    return this.lineNo;
  }
}

/** Parses a whole captured log: syslog lines, or a console transcript with CRLF and escape codes. */
export function parseLog(raw: Buffer | string): OtaEvent[] {
  const parser = new LogParser();
  const events: OtaEvent[] = [];
  for (const line of normalizeConsoleText(raw).split('\n')) {
    const ev = parser.push(line);
    if (ev) events.push(ev);
  }
  return events;
}

/** Bytes read from a log file at a time: small enough that each chunk's text is a young-generation string, collected at once (1 MiB strings go to the large-object space and pile up until a full GC: +60 MiB RSS). */
const READ_CHUNK = 1 << 16;

/**
 * Streams an open log file through the parser, handing each event on as it is found; memory does
 * not grow with the file (lines are cut at MAX_MATCHED_LINE as they are split). Synchronous:
 * reading a local file in chunks is as fast as a stream and needs no event loop. Returns the
 * number of lines.
 */
export function parseLogFd(fd: number, onEvent: (ev: OtaEvent) => void): number {
  const parser = new LogParser();
  const splitter = new LineSplitter((line) => {
    const ev = parser.push(line);
    if (ev) onEvent(ev);
  }, { maxLineLength: MAX_MATCHED_LINE });
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) splitter.push(buf.subarray(0, n));
  splitter.end();
  return parser.lines;
}

function syslogTimeOf(line: string): string | undefined {
  const s = SYSLOG.exec(line);
  return s ? timeOfMatch(s) : undefined;
}

function timeOfMatch(s: RegExpExecArray): string | undefined {
  return s.groups ? `${s.groups.mon} ${s.groups.day.padStart(2, ' ')} ${s.groups.time}` : undefined;
}

/**
 * The time of an event in ms: when it was seen live, else its syslog time, else that of the
 * nearest earlier timed line (the year is not in a syslog line; durations within one log are what
 * matter). Undefined when there is none.
 */
export function eventTime(ev: OtaEvent, year = new Date().getUTCFullYear()): number | undefined {
  if (ev.seenAt !== undefined) return ev.seenAt;
  const stamp = ev.syslogTime ?? ev.timeAfter;
  if (!stamp) return undefined;
  const [mon, day, time] = stamp.trim().split(/ +/);
  const [h, mi, s] = time.split(':').map(Number);
  return Date.UTC(year, MONTHS.indexOf(mon), Number(day), h, mi, s);
}

/** An event as JSON: its fields flattened beside kind, line and lineNo. */
export function eventToJson(ev: OtaEvent): Record<string, unknown> {
  const { fields, ...rest } = ev;
  return { ...rest, ...fields };
}
