import { EventEmitter } from 'node:events';
import { WaitTimeoutError, ProductFailure, WaitAbortedError } from '../errors.ts';
import { failureKinds, type OtaEventKind } from './catalog.ts';
import { parseLine, type OtaEvent } from './parse.ts';
import { buildTimeline, type Timeline } from './timeline.ts';
import type { LineSource } from './line-source.ts';

export interface WaitForEventOptions {
  timeoutMs: number;
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

interface Waiter {
  kinds: readonly OtaEventKind[];
  failOn: readonly OtaEventKind[];
  settle(ev: OtaEvent): boolean;
}

/**
 * The OTA events of one board, as they arrive from its log sources (console, SSH, file), each
 * stamped with the time it was seen. Waits consume events in order, like the console's expect:
 * an event that came while no one waited is found by the next wait.
 */
export class OtaEventLog extends EventEmitter {
  readonly events: OtaEvent[] = [];
  private readonly recent: string[] = [];
  private lineNo = 0;
  private cursor = 0;
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

  /** Follows a source until the returned function is called. */
  async follow(source: LineSource): Promise<() => Promise<void>> {
    await source.start((line) => this.feed(line));
    return () => source.stop();
  }

  /** Lines seen last, for error messages. */
  lastLines(): string[] {
    return [...this.recent];
  }

  /** Consumes everything seen so far: later waits see only new events. */
  skipPending(): void {
    this.cursor = this.events.length;
  }

  private offer(w: Waiter): boolean {
    for (let i = this.cursor; i < this.events.length; i++) {
      const ev = this.events[i];
      if (w.kinds.includes(ev.kind) || w.failOn.includes(ev.kind)) {
        this.cursor = i + 1;
        return w.settle(ev);
      }
    }
    return false;
  }

  /** Waits for the next event of one of `kinds`; fails at once on a failure event, or at the timeout. */
  waitFor(kinds: OtaEventKind | readonly OtaEventKind[], o: WaitForEventOptions): Promise<OtaEvent> {
    const list = typeof kinds === 'string' ? [kinds] : kinds;
    const awaited = list.length === 1 ? `OTA event ${list[0]}` : `one of the OTA events ${list.join(', ')}`;
    const failOn = (o.failOn ?? failureKinds).filter((k) => !list.includes(k));
    return new Promise<OtaEvent>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.waiters.delete(w);
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        kinds: list,
        failOn,
        settle: (ev) => {
          done();
          if (list.includes(ev.kind)) resolve(ev);
          else reject(new OtaFailureEventError(ev, awaited, o.phase));
          return true;
        },
      };
      const onAbort = () => {
        done();
        reject(new WaitAbortedError(awaited, this.where, o.signal?.reason, o.phase));
      };
      if (o.signal?.aborted) return onAbort();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        done();
        // No OTA event at all means the update never reached the board: a lab fault. After some
        // events, the product stopped part way: a product failure.
        const none = this.events.length === 0;
        reject(
          new WaitTimeoutError({
            awaited,
            where: this.where,
            timeoutMs: o.timeoutMs,
            phase: o.phase,
            lastLines: this.lastLines(),
            failureClass: none ? 'lab-fault' : 'product-failure',
            note: none ? 'No OTA event at all was seen: did the push reach the board, and is the log source running?' : `Last OTA event: ${this.events.at(-1)!.kind} (${this.events.at(-1)!.line.trim()})`,
          }),
        );
      }, o.timeoutMs);
      this.waiters.add(w);
      this.offer(w);
    });
  }

  timeline(): Timeline {
    return buildTimeline(this.events);
  }
}
