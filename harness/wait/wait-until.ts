import { WaitAbortedError, WaitTimeoutError, type FailureClass } from '../errors.ts';
import { deadlineOf, type Deadline } from './deadline.ts';

// The one wait-with-a-deadline of the harness. The console's expect, the OTA event log, the log
// follower's readiness and SSH each describe what they wait for and how to notice it; this does
// the rest the same way for all of them: the deadline shared with the phase, abort, cleanup,
// and a timeout that names the phase, what was awaited, where, and the last lines seen.

export interface WaitSpec<T> {
  /** What is awaited, as the error should say it: `OTA event validated`, `/login: $/`. */
  awaited: string;
  /** Where: the console's or the log's name, `root@10.0.0.7:22`. */
  where: string;
  /** The phase's deadline, or a timeout of the wait's own. */
  deadline?: Deadline;
  timeoutMs?: number;
  /** Used when neither is given. */
  defaultTimeoutMs?: number;
  /** The phase, when there is no deadline to carry it. */
  phase?: string;
  signal?: AbortSignal;
  /** The lines to show when the wait fails. */
  lastLines: () => readonly string[];
  /** What the timeout says about whose fault it is, and a note; default: a lab fault. */
  onTimeout?: () => { failureClass?: FailureClass; note?: string };
  /**
   * The error a timeout raises, for a wait whose timeout has a meaning of its own (SSH that never
   * came up is SshUnreachableError); default: a WaitTimeoutError from the fields above.
   */
  timeoutError?: (t: { budgetMs: number; phase: string | undefined }) => Error;
  /**
   * Starts watching: calls `resolve` or `reject` when the awaited thing (or a failure) happens,
   * possibly at once. Returns what undoes the watching; it runs exactly once, however the wait ends.
   */
  watch(resolve: (value: T) => void, reject: (err: Error) => void): (() => void) | void;
}

export function waitUntil<T>(spec: WaitSpec<T>): Promise<T> {
  const deadline = deadlineOf(spec, spec.defaultTimeoutMs ?? 30_000);
  const phase = deadline.phase ?? spec.phase;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let unwatch: (() => void) | void = undefined;
    let timer: NodeJS.Timeout | undefined;
    let lastTurn: NodeJS.Immediate | undefined;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearImmediate(lastTurn);
      spec.signal?.removeEventListener('abort', onAbort);
      // watch() may settle synchronously, before it has returned its undo.
      queueMicrotask(() => unwatch?.());
      f();
    };
    const onAbort = () => finish(() => reject(new WaitAbortedError(spec.awaited, spec.where, spec.signal?.reason, phase)));
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const onTimeout = () =>
      finish(() => {
        if (spec.timeoutError) return reject(spec.timeoutError({ budgetMs: deadline.budgetMs, phase }));
        const t = spec.onTimeout?.() ?? {};
        reject(
          new WaitTimeoutError({
            awaited: spec.awaited,
            where: spec.where,
            timeoutMs: deadline.budgetMs,
            phase,
            lastLines: spec.lastLines(),
            failureClass: t.failureClass,
            note: t.note,
          }),
        );
      });
    try {
      unwatch = spec.watch(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      );
    } catch (e) {
      return finish(() => reject(e as Error));
    }
    if (settled) return;
    const left = deadline.remainingMs();
    if (left === 0) return onTimeout();
    // When the process was busy or descheduled past the deadline, the timer runs before the I/O
    // that arrived in time has been read (timers come first in the event loop). One more turn
    // (setImmediate runs after the poll phase) reads it: data that came in time is not a timeout.
    timer = setTimeout(() => (lastTurn = setImmediate(onTimeout)), left);
  });
}
