// Bounds how many of a costly job run at once; a bounded line of others waits its turn.

export class SemaphoreFullError extends Error {}

export class Semaphore {
  private running = 0;
  private readonly line: Array<() => void> = [];

  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `job` once a slot is free; throws SemaphoreFullError at once when the line is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.max) this.running++;
    else if (this.line.length >= this.maxWaiting) throw new SemaphoreFullError(`${this.line.length} jobs wait already`);
    else await new Promise<void>((r) => this.line.push(r)); // the slot is handed over, still counted
    try {
      return await job();
    } finally {
      const next = this.line.shift();
      if (next) next();
      else this.running--;
    }
  }
}
