import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../suite/seeded-random.ts';

// A simulated board's console for load tests: its boot output, daemon chatter at a steady rate with
// bursts, and an OTA update's lines (the SAMA5D2 trace in harness/logs/fixtures, verbatim), each
// line stamped with a sequence number and the time it was written, so that a reader can count
// lost lines and measure how late each line was seen. The stamp goes at the end of the line, where
// the reader strips it before the line meets the harness (some OTA patterns are anchored at the
// end of the line; kernel and bootloader lines at its start).

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../logs/fixtures/sama5d2-seed-then-reboot.log');

/** The time a line was written, in ms, on a clock that compares across processes on one host. */
export const hostClockMs = (): number => performance.timeOrigin + performance.now();

const STAMP = ' #seq=';

/** `text` with its stamp: ` #seq=<n> t=<ms>` at the end. */
export function stampLine(text: string, seq: number, writtenAtMs: number): string {
  return `${text}${STAMP}${seq} t=${writtenAtMs.toFixed(3)}`;
}

/** The line without its stamp, the sequence number and the time written; undefined for a line with no stamp. */
export function readStamp(line: string): { text: string; seq: number; writtenAtMs: number } | undefined {
  const at = line.lastIndexOf(STAMP);
  if (at < 0) return undefined;
  const m = /^(\d+) t=(\d+(?:\.\d+)?)$/.exec(line.slice(at + STAMP.length));
  if (!m) return undefined;
  return { text: line.slice(0, at), seq: Number(m[1]), writtenAtMs: Number(m[2]) };
}

/** A line of an OTA script and how long to wait after the previous one. */
export interface ScriptLine {
  afterMs: number;
  text: string;
}

/** The fixture's lines: the update up to the reboot, and the boot that follows (from the boot ROM). */
function fixtureParts(): { update: string[]; boot: string[] } {
  const lines = fs.readFileSync(fixture, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const bootAt = lines.findIndex((l) => l.startsWith('RomBOOT'));
  if (bootAt < 0) throw new Error(`${fixture}: expected a "RomBOOT" line where the board reboots`);
  return { update: lines.slice(0, bootAt), boot: lines.slice(bootAt) };
}

// Compressed gaps (ms) after the named steps: a real update spends a minute downloading and half
// a minute writing; here the whole update takes a few seconds, so that many boards overlap.
const GAP_AFTER: readonly [needle: string, ms: number][] = [
  ['DownloadFile(', 1500],
  ['generating sha', 300],
  ['af_util_system::', 1000],
  ['rootfs written', 200],
  ['reboot: Restarting system', 300],
];

/** Seeded (mulberry32): the same seed gives the same console. */
export const seededRandom = mulberry32;

const syslogTime = (d: Date) => `${d.toUTCString().slice(8, 11)} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;

/** One board's console script. Sequence numbers start at 0 and go up by one per line written. */
export class ConsoleReplay {
  private seq = 0;
  private readonly parts = fixtureParts();

  constructor(
    private readonly random: () => number,
    private readonly host = 'sama5d2-xplained-emmc',
  ) {}

  /** Sequence number the next stamped line gets. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Stamps one line (and counts it): what is written to the console, CRLF included. */
  stamp(text: string, now = hostClockMs()): string {
    return `${stampLine(text, this.seq++, now)}\r\n`;
  }

  /** Boot output, as the board prints it from power-on to hubby running. */
  bootLines(): string[] {
    return [...this.parts.boot];
  }

  /** One line of daemon chatter (attrd's message handling, as in the seed trace). */
  daemonLine(now = new Date()): string {
    const seqNum = Math.floor(this.random() * 0xffffffff).toString(16).padStart(8, '0');
    return `${syslogTime(now)} ${this.host} attrd[363]: 3 handle_receive_message:len=${17 + Math.floor(this.random() * 40)},seqNum=${seqNum}:received client message`;
  }

  /** A burst of chatter (a daemon restarting, a cloud sync): `n` lines at once. */
  burst(n: number, now = new Date()): string[] {
    return Array.from({ length: n }, () => this.daemonLine(now));
  }

  /** The update's lines, then the reboot's boot output, each with the pause before it. */
  otaScript(): ScriptLine[] {
    const out: ScriptLine[] = [];
    let gap = 0;
    for (const text of [...this.parts.update, ...this.parts.boot]) {
      out.push({ afterMs: gap, text });
      gap = GAP_AFTER.find(([needle]) => text.includes(needle))?.[1] ?? Math.floor(this.random() * 40);
    }
    return out;
  }
}
