import { DeathLineError } from '../errors.ts';
import type { HarnessLogger } from '../logger.ts';
import type { Deadline } from '../wait/deadline.ts';
import { waitUntil } from '../wait/wait-until.ts';
import type { DeathLine } from './death-lines.ts';

// The console's receive buffer and expect engine: normalized text in, complete lines out, and
// waits that consume the text in order (what no wait has consumed yet is kept for the next one).
// Waits are driven by arriving text, never by polling; the waiting itself is waitUntil's.

export type Pattern = string | RegExp;

export interface ExpectOptions {
  /** The wait's own bound; with `deadline` too, the sooner ends it. */
  timeoutMs?: number;
  /** The phase's deadline: the wait draws from what is left of it. */
  deadline?: Deadline;
  signal?: AbortSignal;
  /** The OTA phase this wait belongs to; named in errors (default: the deadline's). */
  phase?: string;
  /** Do not fail on death lines (for a test that expects a failure line). */
  ignoreDeathLines?: boolean;
}

export interface ExpectMatch {
  /** Which of the patterns matched (0 for a single pattern). */
  index: number;
  /** The matched text. */
  text: string;
  /** Capture groups of a RegExp pattern. */
  groups: Record<string, string | undefined>;
  captures: (string | undefined)[];
  /** Console text between the previous match and this one. */
  before: string;
}

interface Found {
  start: number;
  end: number;
  text: string;
  captures: (string | undefined)[];
  groups: Record<string, string | undefined>;
}

interface Matcher {
  describe: string;
  find(text: string, from: number): Found | undefined;
}

interface Waiter {
  matchers: Matcher[];
  awaited: string;
  phase: string | undefined;
  scanFrom: number;
  ignoreDeathLines: boolean;
  resolve(m: ExpectMatch): void;
  reject(e: Error): void;
}

interface DeathHit {
  start: number;
  end: number;
  line: string;
  name: string;
}

const RING_LINES = 200;
/** How far back (characters before the newest chunk) a RegExp match may start. */
const REGEX_LOOKBACK = 4096;
const KEEP_CONSUMED = 1 << 20;
const MAX_UNCONSUMED = 16 << 20;

function describePattern(p: Pattern): string {
  return typeof p === 'string' ? JSON.stringify(p) : String(p);
}

function toMatcher(p: Pattern): Matcher {
  if (typeof p === 'string') {
    return {
      describe: describePattern(p),
      find(text, from) {
        const i = text.indexOf(p, from);
        return i < 0 ? undefined : { start: i, end: i + p.length, text: p, captures: [], groups: {} };
      },
    };
  }
  const re = new RegExp(p.source, p.flags.replace(/[gy]/g, '') + 'g');
  return {
    describe: describePattern(p),
    find(text, from) {
      re.lastIndex = from;
      const m = re.exec(text);
      if (!m) return undefined;
      return { start: m.index, end: m.index + m[0].length, text: m[0], captures: m.slice(1), groups: { ...(m.groups ?? {}) } };
    },
  };
}

export interface ExpectBufferOptions {
  /** The console's name, for messages. */
  name: string;
  deathLines: readonly DeathLine[];
  defaultTimeoutMs: number;
  log: HarnessLogger;
  /** Each complete line, as it completes. */
  onLine(line: string): void;
  /** What a timeout should add about the console itself (gone since..., nothing received). */
  timeoutNote(): string | undefined;
}

export class ExpectBuffer {
  // text[i] is at absolute offset base + i; everything before cursor is consumed.
  private text = '';
  private base = 0;
  private cursor = 0;
  private lineStart = 0;
  private readonly ring: string[] = [];
  private deathHits: DeathHit[] = [];
  private readonly waiters = new Set<Waiter>();
  /** Once set (console closed or given up), every wait fails at once with the error it makes. */
  private ended: ((awaited: string, phase: string | undefined) => Error) | undefined;

  constructor(private readonly o: ExpectBufferOptions) {}

  append(t: string): void {
    const offset = this.base + this.text.length;
    this.text += t;
    let nl = t.indexOf('\n');
    while (nl >= 0) {
      const end = offset + nl;
      const line = this.text.slice(this.lineStart - this.base, end - this.base);
      this.onLine(line, this.lineStart, end);
      this.lineStart = end + 1;
      nl = t.indexOf('\n', nl + 1);
    }
    for (const w of [...this.waiters]) this.check(w);
    this.trim();
  }

  /**
   * Ends the line in progress, if any: the stream had a gap (the device vanished), and what comes
   * after it starts a line of its own instead of being glued to a half line from before.
   */
  breakLine(): void {
    if (this.base + this.text.length > this.lineStart) this.append('\n');
  }

  private onLine(line: string, start: number, end: number): void {
    this.ring.push(line);
    if (this.ring.length > RING_LINES) this.ring.shift();
    for (const d of this.o.deathLines) {
      if (d.pattern.test(line)) {
        this.deathHits.push({ start, end, line, name: d.name });
        break;
      }
    }
    this.o.onLine(line);
  }

  private trim(): void {
    this.deathHits = this.deathHits.filter((h) => h.end > this.cursor);
    const end = this.base + this.text.length;
    if (end - this.cursor > MAX_UNCONSUMED) {
      this.o.log.warn({ console: this.o.name }, 'expect buffer over 16 MiB with no wait consuming it: oldest text dropped from it (transcript keeps all)');
      this.cursor = end - MAX_UNCONSUMED / 2;
    }
    const keepFrom = Math.min(this.cursor, this.lineStart);
    if (keepFrom - this.base > KEEP_CONSUMED) {
      this.text = this.text.slice(keepFrom - this.base);
      this.base = keepFrom;
    }
  }

  /** Complete lines seen last (and the line in progress, if any), newest last. */
  lastLines(n = 40): string[] {
    const partial = this.text.slice(Math.max(this.lineStart - this.base, 0));
    const lines = partial ? [...this.ring, partial] : [...this.ring];
    return lines.slice(-n);
  }

  /** Consumes everything received so far: later waits see only what arrives from now on. */
  skipPending(): void {
    this.cursor = this.base + this.text.length;
    this.deathHits = [];
  }

  /** Fails every pending wait, and every later one at once, with the error `make` builds for it. */
  end(make: (awaited: string, phase: string | undefined) => Error): void {
    this.ended ??= make;
    for (const w of [...this.waiters]) w.reject(make(w.awaited, w.phase));
  }

  private check(w: Waiter): void {
    const from = Math.max(w.scanFrom, this.cursor);
    let best: { i: number; m: Found } | undefined;
    for (let i = 0; i < w.matchers.length; i++) {
      const m = w.matchers[i].find(this.text, from - this.base);
      if (m && (!best || m.start < best.m.start)) best = { i, m };
    }
    const bestStart = best ? best.m.start + this.base : Infinity;
    const death = w.ignoreDeathLines ? undefined : this.deathHits.find((h) => h.start >= this.cursor && h.end <= bestStart);
    if (death) {
      this.cursor = death.end;
      w.reject(
        new DeathLineError({ awaited: w.awaited, where: this.o.name, line: death.line, deathPattern: death.name, lastLines: this.lastLines(), phase: w.phase }),
      );
      return;
    }
    if (best) {
      const before = this.text.slice(this.cursor - this.base, best.m.start);
      this.cursor = Math.max(this.cursor, best.m.end + this.base);
      w.resolve({ index: best.i, text: best.m.text, groups: best.m.groups, captures: best.m.captures, before });
      return;
    }
    w.scanFrom = Math.max(this.cursor, this.base + this.text.length - REGEX_LOOKBACK);
  }

  /**
   * Waits for one of the patterns to appear in text not yet consumed by an earlier wait. Resolves
   * with the match and the text before it; fails at once on a death line, and at the deadline with
   * an error naming what was awaited, the phase, and the last console lines.
   */
  expect(patterns: Pattern | readonly Pattern[], opts: ExpectOptions = {}): Promise<ExpectMatch> {
    const list = Array.isArray(patterns) ? (patterns as readonly Pattern[]) : [patterns as Pattern];
    const matchers = list.map(toMatcher);
    const awaited = matchers.map((m) => m.describe).join(' or ');
    const phase = opts.phase ?? opts.deadline?.phase;
    if (this.ended) return Promise.reject(this.ended(awaited, phase));
    return waitUntil<ExpectMatch>({
      awaited,
      where: this.o.name,
      deadline: opts.deadline,
      timeoutMs: opts.timeoutMs,
      defaultTimeoutMs: this.o.defaultTimeoutMs,
      phase: opts.phase,
      signal: opts.signal,
      lastLines: () => this.lastLines(),
      onTimeout: () => ({ note: this.o.timeoutNote() }),
      watch: (resolve, reject) => {
        let settled = false;
        const w: Waiter = {
          matchers,
          awaited,
          phase,
          scanFrom: this.cursor,
          ignoreDeathLines: opts.ignoreDeathLines ?? false,
          resolve: (m) => {
            settled = true;
            resolve(m);
          },
          reject: (e) => {
            settled = true;
            reject(e);
          },
        };
        this.check(w);
        if (settled) return;
        this.waiters.add(w);
        return () => this.waiters.delete(w);
      },
    });
  }
}
