import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ConsoleGoneError,
  DeathLineError,
  LoginError,
  CommandError,
  WaitAbortedError,
  WaitTimeoutError,
} from '../errors.ts';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { ConsoleTextNormalizer } from './text-normalizer.ts';
import { Transcript } from './transcript.ts';
import { defaultDeathLines, type DeathLine } from './death-lines.ts';
import { parseSerialAddress, type ConsoleTransport } from './transport.ts';
import { SerialDeviceTransport } from './serial-transport.ts';
import { TcpSerialTransport } from './tcp-transport.ts';

export type Pattern = string | RegExp;

export interface ExpectOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The OTA phase this wait belongs to; named in errors. */
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

export interface ConsoleOptions {
  /** Device path (/dev/ttyUSB0) or host:port of a ser2net raw TCP port. */
  address: string;
  baud?: number;
  /** A name for messages ("sama5d2 serial console"). */
  name?: string;
  /** Raw transcript file: every byte received, from open to close. */
  transcriptPath?: string;
  deathLines?: readonly DeathLine[];
  /** Delay between characters on send (U-Boot drops fast input). */
  charDelayMs?: number;
  /** Line ending sent by send(). */
  eol?: string;
  defaultTimeoutMs?: number;
  logger?: HarnessLogger;
  /** Give up reopening a vanished device after this long; pending waits then fail as a lab fault. */
  maxGoneMs?: number;
}

export interface LoginOptions {
  user: string;
  password?: string;
  loginPrompt?: RegExp;
  passwordPrompt?: RegExp;
  shellPrompt?: RegExp;
  timeoutMs?: number;
  phase?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  phase?: string;
  /** Throw a CommandError on a non-zero exit status. */
  check?: boolean;
}

export interface RunResult {
  output: string;
  exitCode: number;
}

interface Matcher {
  describe: string;
  find(text: string, from: number): { start: number; end: number; text: string; captures: (string | undefined)[]; groups: Record<string, string | undefined> } | undefined;
}

interface Waiter {
  matchers: Matcher[];
  awaited: string;
  phase: string | undefined;
  scanFrom: number;
  ignoreDeathLines: boolean;
  settle(result: { ok: ExpectMatch } | { err: Error }): void;
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

export const defaultPrompts = {
  login: /login: *$/m,
  password: /[Pp]assword: *$/m,
  shell: /[#$] *$/m,
};

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

/**
 * A board's serial console. A reader takes every byte from open to close, whether or not anyone
 * waits: into the raw transcript, into a stream of normalized lines, and into an expect buffer
 * that keeps what no wait has consumed yet. Waits are driven by arriving data, never by polling.
 * When the device vanishes (USB serial re-enumerating on a power cycle) it reopens by itself and
 * notes the gap in the transcript; pending waits keep waiting across the gap.
 */
export class SerialConsole extends EventEmitter {
  readonly name: string;
  readonly transcript: Transcript | undefined;
  private readonly transport: ConsoleTransport;
  private readonly normalizer = new ConsoleTextNormalizer();
  private readonly deathLines: readonly DeathLine[];
  private readonly log: HarnessLogger;
  private readonly opts: ConsoleOptions;

  // The expect buffer: text[i] is at absolute offset base + i; everything before cursor is consumed.
  private text = '';
  private base = 0;
  private cursor = 0;
  private lineStart = 0;
  private readonly ring: string[] = [];
  private deathHits: DeathHit[] = [];
  private readonly waiters = new Set<Waiter>();

  private closed = false;
  private goneSince: number | undefined;
  private goneReason = '';
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenWatcher: fs.FSWatcher | undefined;
  private reopenBackoffMs = 100;
  private reopening = false;
  private runLock: Promise<unknown> = Promise.resolve();
  private bytesReceived = 0;

  private constructor(opts: ConsoleOptions, transport: ConsoleTransport) {
    super();
    this.opts = opts;
    this.transport = transport;
    this.name = opts.name ?? `serial console ${transport.description}`;
    this.deathLines = opts.deathLines ?? defaultDeathLines;
    this.log = opts.logger ?? silentLogger;
    this.transcript = opts.transcriptPath ? new Transcript(opts.transcriptPath) : undefined;
  }

  static async open(opts: ConsoleOptions): Promise<SerialConsole> {
    const addr = parseSerialAddress(opts.address);
    const transport =
      addr.kind === 'device' ? new SerialDeviceTransport(addr.path, opts.baud ?? 115200) : new TcpSerialTransport(addr.host, addr.port);
    const c = new SerialConsole(opts, transport);
    try {
      await transport.open(c.handlers);
    } catch (e) {
      c.transcript?.close();
      throw new ConsoleGoneError(`${c.name}: ${(e as Error).message}`, { cause: e });
    }
    c.transcript?.note(`opened ${transport.description}`);
    c.log.info({ console: transport.description }, 'serial console opened');
    return c;
  }

  get isConnected(): boolean {
    return !this.closed && this.goneSince === undefined;
  }

  get received(): number {
    return this.bytesReceived;
  }

  private readonly handlers = {
    data: (chunk: Buffer) => this.onData(chunk),
    lost: (reason: string) => this.onLost(reason),
  };

  // ---- reading ----

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.transcript?.write(chunk);
    const t = this.normalizer.push(chunk);
    if (t) this.appendText(t);
    this.emit('data', chunk);
  }

  private appendText(t: string): void {
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

  private onLine(line: string, start: number, end: number): void {
    this.ring.push(line);
    if (this.ring.length > RING_LINES) this.ring.shift();
    for (const d of this.deathLines) {
      if (d.pattern.test(line)) {
        this.deathHits.push({ start, end, line, name: d.name });
        break;
      }
    }
    this.emit('line', line);
  }

  private trim(): void {
    this.deathHits = this.deathHits.filter((h) => h.end > this.cursor);
    const end = this.base + this.text.length;
    if (end - this.cursor > MAX_UNCONSUMED) {
      this.log.warn({ console: this.name }, 'expect buffer over 16 MiB with no wait consuming it: oldest text dropped from it (transcript keeps all)');
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

  /** Subscribes to every complete console line; returns the unsubscribe function. */
  onLineReceived(listener: (line: string) => void): () => void {
    this.on('line', listener);
    return () => this.off('line', listener);
  }

  /** Consumes everything received so far: later waits see only what arrives from now on. */
  skipPending(): void {
    this.cursor = this.base + this.text.length;
    this.deathHits = [];
  }

  // ---- waiting ----

  private check(w: Waiter): void {
    const from = Math.max(w.scanFrom, this.cursor);
    let best: { i: number; m: NonNullable<ReturnType<Matcher['find']>> } | undefined;
    for (let i = 0; i < w.matchers.length; i++) {
      const m = w.matchers[i].find(this.text, from - this.base);
      if (m && (!best || m.start < best.m.start)) best = { i, m };
    }
    const bestStart = best ? best.m.start + this.base : Infinity;
    const death = w.ignoreDeathLines ? undefined : this.deathHits.find((h) => h.start >= this.cursor && h.end <= bestStart);
    if (death) {
      this.cursor = death.end;
      w.settle({
        err: new DeathLineError({
          awaited: w.awaited,
          where: this.name,
          line: death.line,
          deathPattern: death.name,
          lastLines: this.lastLines(),
          phase: w.phase,
        }),
      });
      return;
    }
    if (best) {
      const before = this.text.slice(this.cursor - this.base, best.m.start);
      this.cursor = Math.max(this.cursor, best.m.end + this.base);
      w.settle({ ok: { index: best.i, text: best.m.text, groups: best.m.groups, captures: best.m.captures, before } });
      return;
    }
    w.scanFrom = Math.max(this.cursor, this.base + this.text.length - REGEX_LOOKBACK);
  }

  /**
   * Waits for one of the patterns to appear in console text not yet consumed by an earlier wait.
   * Resolves with the match and the text before it; fails at once on a death line, and on timeout
   * with an error naming what was awaited, the phase, and the last console lines.
   */
  expect(patterns: Pattern | readonly Pattern[], opts: ExpectOptions = {}): Promise<ExpectMatch> {
    const list = Array.isArray(patterns) ? (patterns as readonly Pattern[]) : [patterns as Pattern];
    const matchers = list.map(toMatcher);
    const awaited = matchers.map((m) => m.describe).join(' or ');
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 30_000;
    if (this.closed) return Promise.reject(new ConsoleGoneError(`${this.name} is closed; cannot wait for ${awaited}`, { phase: opts.phase }));
    if (opts.signal?.aborted) return Promise.reject(new WaitAbortedError(awaited, this.name, opts.signal.reason, opts.phase));

    return new Promise<ExpectMatch>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => w.settle({ err: new WaitAbortedError(awaited, this.name, opts.signal?.reason, opts.phase) });
      const w: Waiter = {
        matchers,
        awaited,
        phase: opts.phase,
        scanFrom: this.cursor,
        ignoreDeathLines: opts.ignoreDeathLines ?? false,
        settle: (r) => {
          if (!this.waiters.delete(w)) return;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          if ('ok' in r) resolve(r.ok);
          else reject(r.err);
        },
      };
      this.waiters.add(w);
      timer = setTimeout(() => w.settle({ err: this.timeoutError(awaited, timeoutMs, opts.phase) }), timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.check(w);
    });
  }

  private timeoutError(awaited: string, timeoutMs: number, phase: string | undefined): Error {
    const note =
      this.goneSince !== undefined
        ? `The serial console has been gone since ${new Date(this.goneSince).toISOString()} (${this.goneReason}).`
        : this.bytesReceived === 0
          ? 'Nothing at all was received on the console: check the cable, the device path and the baud rate.'
          : undefined;
    return new WaitTimeoutError({ awaited, where: this.name, timeoutMs, lastLines: this.lastLines(), phase, note });
  }

  // ---- writing ----

  /** Sends text followed by the line ending. `secret` keeps it out of the harness log. */
  async send(text: string, opts: { eol?: string; charDelayMs?: number; secret?: boolean } = {}): Promise<void> {
    const data = text + (opts.eol ?? this.opts.eol ?? '\n');
    this.log.debug({ console: this.name, send: opts.secret ? '[secret]' : text }, 'console send');
    await this.sendRaw(data, opts.charDelayMs ?? this.opts.charDelayMs ?? 0);
  }

  async sendRaw(data: string | Buffer, charDelayMs = 0): Promise<void> {
    if (this.closed) throw new ConsoleGoneError(`${this.name} is closed`);
    if (this.goneSince !== undefined) throw new ConsoleGoneError(`${this.name} is gone (${this.goneReason}); cannot send`);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (charDelayMs <= 0) return this.transport.write(bytes);
    for (let i = 0; i < bytes.length; i++) {
      await this.transport.write(bytes.subarray(i, i + 1));
      // Pacing for bootloaders that drop characters typed faster than they read them.
      await delay(charDelayMs);
    }
  }

  /**
   * Logs in, coping with a console that is already at a shell prompt. Earlier unconsumed text is
   * skipped first so that a stale prompt from before a reboot is not mistaken for the current one.
   */
  async login(o: LoginOptions): Promise<void> {
    const loginPrompt = o.loginPrompt ?? defaultPrompts.login;
    const passwordPrompt = o.passwordPrompt ?? defaultPrompts.password;
    const shellPrompt = o.shellPrompt ?? defaultPrompts.shell;
    const wait = { timeoutMs: o.timeoutMs ?? 30_000, phase: o.phase ?? 'login' };
    this.skipPending();
    await this.send('');
    const first = await this.expect([shellPrompt, loginPrompt, passwordPrompt], wait);
    if (first.index === 0) return;
    if (first.index === 2) {
      // A half-finished login from an earlier run: abandon it.
      await this.send('');
      await this.expect(loginPrompt, wait);
    }
    await this.send(o.user);
    const second = await this.expect([shellPrompt, passwordPrompt], wait);
    if (second.index === 0) return;
    await this.send(o.password ?? '', { secret: true });
    const third = await this.expect([shellPrompt, /Login incorrect|incorrect password|Authentication failure/i], wait);
    if (third.index === 1) throw new LoginError(`${this.name}: login as ${o.user} was refused (wrong password in the profile's password source?)`, { phase: wait.phase });
  }

  /**
   * Runs a shell command on the console; returns its output (without its final newline) and its
   * exit status, found by unique markers. Commands run one at a time.
   */
  run(command: string, o: RunOptions = {}): Promise<RunResult> {
    const next = this.runLock.then(() => this.runUnlocked(command, o));
    this.runLock = next.catch(() => undefined);
    return next;
  }

  private async runUnlocked(command: string, o: RunOptions): Promise<RunResult> {
    const id = randomBytes(4).toString('hex');
    // The markers are split by quotes in what is typed, so the echo of the command never matches.
    const begin = `@@HIL-B-${id}`;
    const end = `@@HIL-E-${id}`;
    const wait = { timeoutMs: o.timeoutMs ?? 30_000, phase: o.phase };
    await this.send(`printf '%s\\n' '@@HIL-B-''${id}'; ${command}; printf '\\n%s:%d\\n' '@@HIL-E-''${id}' $?`);
    await this.expect(`${begin}\n`, wait);
    const done = await this.expect(new RegExp(`${end}:(\\d+)\n`), wait);
    // Drop the newline the end marker's printf adds, and the output's own final newline.
    const output = done.before.replace(/\n$/, '').replace(/\n$/, '');
    const exitCode = Number(done.captures[0]);
    if (o.check && exitCode !== 0) {
      throw new CommandError(`${this.name}: "${command}" exited with status ${exitCode}:\n${output.split('\n').slice(-20).join('\n')}`, exitCode, 'lab-fault', o.phase);
    }
    return { output, exitCode };
  }

  // ---- losing and regaining the device ----

  private onLost(reason: string): void {
    if (this.closed || this.goneSince !== undefined) return;
    this.goneSince = Date.now();
    this.goneReason = reason;
    this.transcript?.note(`serial console gone: ${reason}`);
    this.log.warn({ console: this.name, reason }, 'serial console gone; reopening when it comes back');
    this.emit('gone', reason);
    this.reopenBackoffMs = 100;
    this.watchForDevice();
    this.scheduleReopen();
  }

  private watchForDevice(): void {
    const p = this.transport.devicePath;
    if (!p) return;
    try {
      // The device node (or a lab's udev symlink) reappearing is an event; react to it at once.
      this.reopenWatcher = fs.watch(path.dirname(p), (_ev, file) => {
        if (!file || file === path.basename(p)) void this.tryReopen();
      });
      this.reopenWatcher.on('error', () => undefined);
    } catch {
      // Not watchable: the backoff retries still find it.
    }
  }

  private scheduleReopen(): void {
    if (this.closed || this.goneSince === undefined) return;
    const maxGone = this.opts.maxGoneMs;
    if (maxGone !== undefined && Date.now() - this.goneSince > maxGone) {
      const err = new ConsoleGoneError(`${this.name} has been gone for over ${(maxGone / 1000).toFixed(0)} s (${this.goneReason})`);
      for (const w of [...this.waiters]) w.settle({ err });
      return;
    }
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => void this.tryReopen(), this.reopenBackoffMs);
    this.reopenBackoffMs = Math.min(this.reopenBackoffMs * 2, 2000);
  }

  private async tryReopen(): Promise<void> {
    if (this.reopening || this.closed || this.goneSince === undefined) return;
    this.reopening = true;
    try {
      await this.transport.open(this.handlers);
    } catch {
      this.reopening = false;
      this.scheduleReopen();
      return;
    }
    this.reopening = false;
    const goneMs = Date.now() - this.goneSince;
    this.goneSince = undefined;
    clearTimeout(this.reopenTimer);
    this.reopenWatcher?.close();
    this.reopenWatcher = undefined;
    this.transcript?.note(`serial console back after ${(goneMs / 1000).toFixed(1)} s`);
    this.log.info({ console: this.name, goneMs }, 'serial console back');
    this.emit('back', goneMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reopenTimer);
    this.reopenWatcher?.close();
    const tail = this.normalizer.flush();
    if (tail) this.appendText(tail);
    const err = new ConsoleGoneError(`${this.name} was closed while waiting`);
    for (const w of [...this.waiters]) w.settle({ err });
    await this.transport.close();
    this.transcript?.note('closed');
    this.transcript?.close();
  }
}
