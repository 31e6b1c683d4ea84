// One deadline per phase (download, verify, handoff, install, reboot, confirm, ...): every wait
// inside the phase draws from what is left of it, as Playwright's timeout manager gives one
// deadline per runnable. A wait never gets the whole budget again, and when the time runs out the
// error names the phase and its budget, not only the one wait that happened to be pending.

// setTimeout fires at once for delays above 2^31-1 ms: no budget may be longer.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  /** Epoch milliseconds at which the phase's time is up. */
  readonly at: number;

  private constructor(
    /** The phase this deadline belongs to, named in every timeout it causes. */
    readonly phase: string | undefined,
    /** The phase's whole budget, for messages ("of its 600 s budget"). */
    readonly budgetMs: number,
    private readonly clock: () => number,
    at?: number,
  ) {
    if (!Number.isFinite(budgetMs) || budgetMs < 0 || budgetMs > MAX_TIMER_MS) {
      throw new RangeError(`a deadline's budget must be 0..${MAX_TIMER_MS} ms, got ${budgetMs}`);
    }
    this.at = at ?? clock() + budgetMs;
  }

  /** A deadline `budgetMs` from now for `phase`. */
  static after(budgetMs: number, phase?: string, clock: () => number = Date.now): Deadline {
    return new Deadline(phase, budgetMs, clock);
  }

  /** Milliseconds left; 0 once it has passed. */
  remainingMs(): number {
    return Math.max(0, this.at - this.clock());
  }

  expired(): boolean {
    return this.remainingMs() === 0;
  }

  /**
   * A shorter deadline inside this one: the sooner of `ms` from now and this deadline. For a step
   * with a bound of its own (one command, one login prompt) that must not outlive its phase.
   */
  within(ms: number, phase = this.phase): Deadline {
    const at = Math.min(this.at, this.clock() + ms);
    return new Deadline(phase, Math.max(0, at - this.clock()), this.clock, at);
  }

  /** Milliseconds spent since the deadline was set. */
  elapsedMs(): number {
    return this.budgetMs - (this.at - this.clock());
  }
}

/** A wait is given a deadline (shared with its phase), a timeout of its own, or both (the sooner wins). */
export interface WaitTime {
  deadline?: Deadline;
  timeoutMs?: number;
}

/**
 * The deadline a wait runs to: the given one, or a fresh one from its timeout. Given both, the wait
 * has a bound of its own inside the phase: the sooner of the two.
 */
export function deadlineOf(o: { deadline?: Deadline; timeoutMs?: number; phase?: string }, defaultTimeoutMs: number): Deadline {
  if (o.deadline) return o.timeoutMs === undefined ? o.deadline : o.deadline.within(Math.min(o.timeoutMs, MAX_TIMER_MS));
  return Deadline.after(Math.min(o.timeoutMs ?? defaultTimeoutMs, MAX_TIMER_MS), o.phase);
}
