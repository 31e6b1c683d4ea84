import { catalog, type OtaEventFields, type OtaEventKind } from './catalog.ts';
import { normalizeConsoleText } from '../console/text-normalizer.ts';

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

/** Parses one line; undefined when it is not an OTA line. */
export function parseLine(line: string, lineNo: number, seenAt?: number): OtaEvent | undefined {
  for (const entry of catalog) {
    const m = entry.pattern.exec(line);
    if (!m) continue;
    const s = SYSLOG.exec(line);
    // Kernel and bootloader lines count as the console prints them. klogd's copy in syslog comes
    // later (and again when a follower replays this boot's log): it would repeat the boot.
    if ((entry.source === 'kernel' || entry.source === 'bootloader') && (KLOGD.test(line.slice(0, m.index)) || (s && s.index < m.index))) continue;
    const ev: OtaEvent = { kind: entry.kind, line, lineNo, fields: entry.fields?.(m) ?? {} };
    if (seenAt !== undefined) ev.seenAt = seenAt;
    if (s?.groups && s.index < m.index) {
      ev.syslogTime = syslogTimeOf(line);
      ev.host = s.groups.host;
      ev.program = s.groups.prog;
      if (s.groups.pid) ev.pid = Number(s.groups.pid);
    }
    return ev;
  }
  return undefined;
}

/** Parses a whole captured log: syslog lines, or a console transcript with CRLF and escape codes. */
export function parseLog(raw: Buffer | string): OtaEvent[] {
  const lines = normalizeConsoleText(raw).split('\n');
  const events: OtaEvent[] = [];
  let lastTime: string | undefined;
  lines.forEach((line, i) => {
    const ev = parseLine(line, i + 1);
    const time = ev?.syslogTime ?? syslogTimeOf(line);
    if (ev && !ev.syslogTime && lastTime) ev.timeAfter = lastTime;
    if (time) lastTime = time;
    if (ev) events.push(ev);
  });
  return events;
}

function syslogTimeOf(line: string): string | undefined {
  const s = SYSLOG.exec(line);
  return s?.groups ? `${s.groups.mon} ${s.groups.day.padStart(2, ' ')} ${s.groups.time}` : undefined;
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
