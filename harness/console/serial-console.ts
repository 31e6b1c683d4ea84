import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { ConsoleGoneError } from '../errors.ts';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { ConsoleTextNormalizer } from './text-normalizer.ts';
import { Transcript } from './transcript.ts';
import { defaultDeathLines, type DeathLine } from './death-lines.ts';
import { parseSerialAddress, type ConsoleTransport } from './transport.ts';
import { SerialDeviceTransport } from './serial-transport.ts';
import { TcpSerialTransport } from './tcp-transport.ts';
import { ExpectBuffer, type ExpectMatch, type ExpectOptions, type Pattern } from './expect-buffer.ts';
import { consoleLogin, type LoginOptions } from './console-login.ts';
import { ConsoleShell, type RunOptions, type RunResult } from './console-shell.ts';
import { DeviceReopener } from './device-reopener.ts';

export type { Pattern, ExpectOptions, ExpectMatch } from './expect-buffer.ts';
export { defaultPrompts, type LoginOptions } from './console-login.ts';
export type { RunOptions, RunResult } from './console-shell.ts';

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
  /** Give up reopening a vanished device after this long; pending and later waits then fail as a lab fault. */
  maxGoneMs?: number;
}

/**
 * A board's serial console: a composition of the transport (bytes), the expect buffer (text,
 * lines, waits), login, the shell (commands with markers) and the reopener (a vanished device).
 * A reader takes every byte from open to close, whether or not anyone waits: into the raw
 * transcript, into a stream of normalized lines, and into the expect buffer. When the device
 * vanishes it reopens by itself and notes the gap in the transcript; pending waits keep waiting
 * across the gap. Events: 'data', 'line', 'gone', 'reopening', 'back', 'given-up'.
 */
export class SerialConsole extends EventEmitter {
  readonly name: string;
  readonly transcript: Transcript | undefined;
  private readonly transport: ConsoleTransport;
  private normalizer = new ConsoleTextNormalizer();
  private readonly buffer: ExpectBuffer;
  private readonly shell: ConsoleShell;
  private readonly reopener: DeviceReopener;
  private readonly log: HarnessLogger;
  private readonly opts: ConsoleOptions;
  private closed = false;
  private goneReason = '';
  private givenUp: ConsoleGoneError | undefined;
  private bytesReceived = 0;

  private constructor(opts: ConsoleOptions, transport: ConsoleTransport) {
    super();
    this.opts = opts;
    this.transport = transport;
    this.name = opts.name ?? `serial console ${transport.description}`;
    this.log = opts.logger ?? silentLogger;
    this.transcript = opts.transcriptPath ? new Transcript(opts.transcriptPath) : undefined;
    this.buffer = new ExpectBuffer({
      name: this.name,
      deathLines: opts.deathLines ?? defaultDeathLines,
      defaultTimeoutMs: opts.defaultTimeoutMs ?? 30_000,
      log: this.log,
      onLine: (line) => this.emit('line', line),
      timeoutNote: () => this.timeoutNote(),
    });
    this.shell = new ConsoleShell(this);
    this.reopener = new DeviceReopener(
      transport,
      { data: (chunk) => this.onData(chunk), lost: (reason) => this.onLost(reason) },
      { attempt: () => this.emit('reopening'), back: (goneMs) => this.onBack(goneMs), givenUp: (goneMs) => this.giveUp(goneMs) },
      opts.maxGoneMs,
    );
  }

  static async open(opts: ConsoleOptions): Promise<SerialConsole> {
    const addr = parseSerialAddress(opts.address);
    const transport =
      addr.kind === 'device' ? new SerialDeviceTransport(addr.path, opts.baud ?? 115200) : new TcpSerialTransport(addr.host, addr.port);
    const c = new SerialConsole(opts, transport);
    try {
      await transport.open({ data: (chunk) => c.onData(chunk), lost: (reason) => c.onLost(reason) });
    } catch (e) {
      c.transcript?.close();
      throw new ConsoleGoneError(`${c.name}: ${(e as Error).message}`, { cause: e });
    }
    c.transcript?.note(`opened ${transport.description}`);
    c.log.info({ console: transport.description }, 'serial console opened');
    return c;
  }

  get isConnected(): boolean {
    return !this.closed && !this.givenUp && !this.reopener.isGone;
  }

  get received(): number {
    return this.bytesReceived;
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.transcript?.write(chunk);
    const t = this.normalizer.push(chunk);
    if (t) this.buffer.append(t);
    this.emit('data', chunk);
  }

  // ---- text and waits (the expect buffer) ----

  /** Complete lines seen last (and the line in progress, if any), newest last. */
  lastLines(n = 40): string[] {
    return this.buffer.lastLines(n);
  }

  /** Subscribes to every complete console line; returns the unsubscribe function. */
  onLineReceived(listener: (line: string) => void): () => void {
    this.on('line', listener);
    return () => this.off('line', listener);
  }

  /** Consumes everything received so far: later waits see only what arrives from now on. */
  skipPending(): void {
    this.buffer.skipPending();
  }

  /**
   * Waits for one of the patterns to appear in console text not yet consumed by an earlier wait.
   * Resolves with the match and the text before it; fails at once on a death line, or when the
   * console is closed or given up on, and at the deadline with an error naming what was awaited,
   * the phase, and the last console lines.
   */
  expect(patterns: Pattern | readonly Pattern[], opts: ExpectOptions = {}): Promise<ExpectMatch> {
    return this.buffer.expect(patterns, opts);
  }

  private timeoutNote(): string | undefined {
    const since = this.reopener.since;
    if (since !== undefined) return `The serial console has been gone since ${new Date(since).toISOString()} (${this.goneReason}).`;
    if (this.bytesReceived === 0) return 'Nothing at all was received on the console: check the cable, the device path and the baud rate.';
    return undefined;
  }

  // ---- writing, login, commands ----

  /** Sends text followed by the line ending. `secret` keeps it out of the harness log. */
  async send(text: string, opts: { eol?: string; charDelayMs?: number; secret?: boolean } = {}): Promise<void> {
    const data = text + (opts.eol ?? this.opts.eol ?? '\n');
    this.log.debug({ console: this.name, send: opts.secret ? '[secret]' : text }, 'console send');
    await this.sendRaw(data, opts.charDelayMs ?? this.opts.charDelayMs ?? 0);
  }

  async sendRaw(data: string | Buffer, charDelayMs = 0): Promise<void> {
    if (this.closed) throw new ConsoleGoneError(`${this.name} is closed`);
    if (this.givenUp) throw this.givenUp;
    if (this.reopener.isGone) throw new ConsoleGoneError(`${this.name} is gone (${this.goneReason}); cannot send`);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (charDelayMs <= 0) return this.transport.write(bytes);
    for (let i = 0; i < bytes.length; i++) {
      await this.transport.write(bytes.subarray(i, i + 1));
      // Pacing for bootloaders that drop characters typed faster than they read them.
      await delay(charDelayMs);
    }
  }

  /** Logs in, coping with a console that is already at a shell prompt (see consoleLogin). */
  login(o: LoginOptions): Promise<void> {
    return consoleLogin(this, o);
  }

  /**
   * Runs a shell command on the console; returns its output (without its final newline) and its
   * exit status, found by unique markers. Commands run one at a time; one that outlives its wait
   * is interrupted before the next.
   */
  run(command: string, o: RunOptions = {}): Promise<RunResult> {
    return this.shell.run(command, o);
  }

  // ---- losing and regaining the device ----

  private onLost(reason: string): void {
    if (this.closed || this.givenUp || this.reopener.isGone) return;
    this.goneReason = reason;
    // The gap ends whatever was in progress: a half line, a half escape sequence or UTF-8
    // character must not swallow or glue onto what the device sends once it is back.
    const tail = this.normalizer.flush();
    if (tail) this.buffer.append(tail);
    this.normalizer = new ConsoleTextNormalizer();
    this.buffer.breakLine();
    this.transcript?.note(`serial console gone: ${reason}`);
    this.log.warn({ console: this.name, reason }, 'serial console gone; reopening when it comes back');
    this.reopener.lost();
    this.emit('gone', reason);
  }

  private onBack(goneMs: number): void {
    this.transcript?.note(`serial console back after ${(goneMs / 1000).toFixed(1)} s`);
    this.log.info({ console: this.name, goneMs }, 'serial console back');
    this.emit('back', goneMs);
  }

  private giveUp(goneMs: number): void {
    const err = new ConsoleGoneError(`${this.name} has been gone for ${(goneMs / 1000).toFixed(1)} s (${this.goneReason}); given up`);
    this.givenUp = err;
    this.transcript?.note(`serial console given up after ${(goneMs / 1000).toFixed(1)} s`);
    this.log.warn({ console: this.name, goneMs }, 'serial console given up');
    this.buffer.end((awaited, phase) => new ConsoleGoneError(`${err.message.split('\n')[0]}; cannot wait for ${awaited}`, { phase }));
    this.emit('given-up', err);
  }

  /** Calls `listener` if the console is given up on (gone past maxGoneMs); returns the unsubscribe function. */
  onGivenUp(listener: (err: ConsoleGoneError) => void): () => void {
    this.on('given-up', listener);
    return () => this.off('given-up', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // An open under way is finished first, so that the port it opens is closed below, not leaked.
    await this.reopener.close();
    const tail = this.normalizer.flush();
    if (tail) this.buffer.append(tail);
    this.buffer.end((awaited, phase) => new ConsoleGoneError(`${this.name} is closed; cannot wait for ${awaited}`, { phase }));
    await this.transport.close();
    this.transcript?.note('closed');
    this.transcript?.close();
  }
}
