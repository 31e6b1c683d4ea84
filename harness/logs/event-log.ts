import { EventEmitter } from 'node:events';
import { LabFault, ProductFailure } from '../errors.ts';
import type { Deadline } from '../wait/deadline.ts';
import { waitUntil } from '../wait/wait-until.ts';
import { failureKinds, type OtaEventKind } from './catalog.ts';
import { parseLine, type OtaEvent } from './parse.ts';
import { buildTimeline, type Timeline } from './timeline.ts';
import type { LineSource } from './line-source.ts';

export interface WaitForEventOptions {
  /** The wait's own bound; with `deadline` too, the sooner ends it. */
  timeoutMs?: number;
  /** The phase's deadline: the wait draws from what is left of it. */
  deadline?: Deadline;
  phase?: string;
  signal?: AbortSignal;
  /** Kinds that fail the wait when they come first; default: every failure kind not awaited. */
  failOn?: readonly OtaEventKind[];
}

/** An OTA failure line arrived while waiting for something else. */
export class OtaFailureEventError extends ProductFailure {
  constructor(readonly event: OtaEvent, awaited: string, phase?: string) {
    super(`${phase ? `[${phase}] ` : ''}while waiting for ${awaited}, the board reported ${event.kind}:\n  ${event.line}`, { phase });
  }
}

/** A log source stopped by itself (the SSH channel closed, the follower died): its events are no longer seen. */
export class LogSourceFailedError extends LabFault {}

interface Waiter {
  kinds: readonly OtaEventKind[];
  failOn: readonly OtaEventKind[];
  settle(ev: OtaEvent): void;
  fail(err: Error): void;
}

const DEFAULT_WAIT_MS = 60_000;

/**
 * The OTA events of one board, as they arrive from its log sources (console, SSH, file), each
 * stamped with the time it was seen. Waits consume events in order, like the console's expect:
 * an event that came while no one waited is found by the next wait.
 *
 * skipPending() marks the push: the flow calls it as it pushes an update. Whether a timeout is the
 * lab's fault or the product's is judged by the events since that mark only. Boot lines (U-Boot,
 * the kernel banner, hubby's start) come before any push and say nothing about whether the push
 * reached the board: with none since the mark, the push never arrived (a lab fault); with some,
 * the product stopped part way (a product failure).
 */
export class OtaEventLog extends EventEmitter {
  readonly events: OtaEvent[] = [];
  private readonly recent: string[] = [];
  private lineNo = 0;
  private cursor = 0;
  /** Index in `events` of the first event since the last skipPending() (the push). */
  private pushMark = 0;
  private sourceError: LogSourceFailedError | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(readonly where: string, private readonly clock: () => number = Date.now) {
    super();
  }

  /** Feeds one line from a source; returns the event it made, if any. */
  feed(line: string): OtaEvent | undefined {
    this.lineNo++;
    this.recent.push(line);
    if (this.recent.length > 40) this.recent.shift();
    const ev = parseLine(line, this.lineNo, this.clock());
    if (!ev) return undefined;
    this.events.push(ev);
    this.emit('event', ev);
    for (const w of [...this.waiters]) if (this.offer(w)) break;
    return ev;
  }

  /**
   * Follows a source until the returned function is called. A source that stops by itself fails
   * the waits that depend on it (sourceFailed).
   */
  async follow(source: LineSource): Promise<() => Promise<void>> {
    await source.start(
      (line) => this.feed(line),
      (err) => this.sourceFailed(err, source.description),
    );
    return () => source.stop();
  }

  /**
   * A source of this log stopped: pending waits fail now, and later ones at once, as a lab fault
   * naming the source (its events would never come; no timeout should stand for that).
   */
  sourceFailed(err: Error, source = 'a log source'): void {
    if (this.sourceError) return;
    this.sourceError = new LogSourceFailedError(`${source} stopped: ${err.message.split('\n')[0]}; OTA events of ${this.where} are no longer seen`, { cause: err });
    for (const w of [...this.waiters]) w.fail(this.sourceError);
  }

  /** Lines seen last, for error messages. */
  lastLines(): string[] {
    return [...this.recent];
  }

  /** Consumes everything seen so far, and marks the push: later waits see only new events. */
  skipPending(): void {
    this.cursor = this.events.length;
    this.pushMark = this.events.length;
  }

  private offer(w: Waiter): boolean {
    for (let i = this.cursor; i < this.events.length; i++) {
      const ev = this.events[i];
      if (w.kinds.includes(ev.kind) || w.failOn.includes(ev.kind)) {
        this.cursor = i + 1;
        w.settle(ev);
        return true;
      }
    }
    return false;
  }

  /** Waits for the next event of one of `kinds`; fails at once on a failure event, or at the deadline. */
  waitFor(kinds: OtaEventKind | readonly OtaEventKind[], o: WaitForEventOptions): Promise<OtaEvent> {
    const list = typeof kinds === 'string' ? [kinds] : kinds;
    const awaited = list.length === 1 ? `OTA event ${list[0]}` : `one of the OTA events ${list.join(', ')}`;
    const failOn = (o.failOn ?? failureKinds).filter((k) => !list.includes(k));
    const phase = o.phase ?? o.deadline?.phase;
    return waitUntil<OtaEvent>({
      awaited,
      where: this.where,
      deadline: o.deadline,
      timeoutMs: o.timeoutMs,
      defaultTimeoutMs: DEFAULT_WAIT_MS,
      phase: o.phase,
      signal: o.signal,
      lastLines: () => this.lastLines(),
      onTimeout: () => this.judgeTimeout(),
      watch: (resolve, reject) => {
        const w: Waiter = {
          kinds: list,
          failOn,
          settle: (ev) => (list.includes(ev.kind) ? resolve(ev) : reject(new OtaFailureEventError(ev, awaited, phase))),
          fail: reject,
        };
        // Events already in are offered first: they came before the source stopped.
        if (this.offer(w)) return;
        if (this.sourceError) return reject(this.sourceError);
        this.waiters.add(w);
        return () => this.waiters.delete(w);
      },
    });
  }

  private judgeTimeout(): { failureClass: 'lab-fault' | 'product-failure'; note: string } {
    const sincePush = this.events.slice(this.pushMark);
    if (sincePush.length > 0) {
      const last = sincePush.at(-1)!;
      return { failureClass: 'product-failure', note: `Last OTA event since the push: ${last.kind} (${last.line.trim()})` };
    }
    const what = this.pushMark === 0 ? 'No OTA event at all was seen' : `No OTA event since the push (${this.pushMark} before it, from the boot)`;
    return { failureClass: 'lab-fault', note: `${what}: did the push reach the board, and is the log source running?` };
  }

  timeline(): Timeline {
    return buildTimeline(this.events);
  }
}
