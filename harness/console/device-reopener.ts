import fs from 'node:fs';
import path from 'node:path';
import type { ConsoleTransport, TransportHandlers } from './transport.ts';

export interface ReopenerEvents {
  /** An attempt to reopen is under way (a close() from here waits for it). */
  attempt(): void;
  /** The device is open again after `goneMs`. */
  back(goneMs: number): void;
  /** `maxGoneMs` passed without the device coming back: no more attempts. */
  givenUp(goneMs: number): void;
}

/**
 * Brings a vanished console device back (a USB serial adapter re-enumerating on a power cycle, a
 * ser2net port dropping): reopens it as soon as its node reappears (a folder watch), else with
 * backoff, and gives up after `maxGoneMs`. Never reopens once closed: an open still under way
 * when close() comes is waited for, so that the caller's close finds the port and closes it.
 */
export class DeviceReopener {
  private goneSince: number | undefined;
  private closed = false;
  private givenUp = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private watcher: fs.FSWatcher | undefined;
  private backoffMs = 100;
  private opening: Promise<void> | undefined;

  constructor(
    private readonly transport: ConsoleTransport,
    private readonly handlers: TransportHandlers,
    private readonly events: ReopenerEvents,
    private readonly maxGoneMs: number | undefined,
  ) {}

  get isGone(): boolean {
    return this.goneSince !== undefined;
  }

  /** When the device went away (epoch ms), while it is away. */
  get since(): number | undefined {
    return this.goneSince;
  }

  /** The transport reported its far end gone: start bringing it back. */
  lost(): void {
    if (this.closed || this.givenUp || this.goneSince !== undefined) return;
    this.goneSince = Date.now();
    this.backoffMs = 100;
    this.watchForDevice();
    if (this.maxGoneMs !== undefined) this.giveUpTimer = setTimeout(() => this.giveUp(), this.maxGoneMs);
    this.scheduleRetry();
  }

  private watchForDevice(): void {
    const p = this.transport.devicePath;
    if (!p) return;
    try {
      // The device node (or a lab's udev symlink) reappearing is an event; react to it at once.
      this.watcher = fs.watch(path.dirname(p), (_ev, file) => {
        if (!file || file === path.basename(p)) void this.tryReopen();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // Not watchable: the backoff retries still find it.
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.givenUp || this.goneSince === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.tryReopen(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
  }

  private async tryReopen(): Promise<void> {
    if (this.opening || this.closed || this.givenUp || this.goneSince === undefined) return;
    this.opening = this.transport.open(this.handlers);
    this.events.attempt();
    try {
      await this.opening;
    } catch {
      this.opening = undefined;
      this.scheduleRetry();
      return;
    }
    this.opening = undefined;
    // Closed (or given up) while the open was under way: the closer closes the port; nothing is back.
    if (this.closed || this.givenUp) return;
    const goneMs = Date.now() - this.goneSince!;
    this.stopWatching();
    this.goneSince = undefined;
    this.events.back(goneMs);
  }

  private giveUp(): void {
    if (this.closed || this.goneSince === undefined) return;
    this.givenUp = true;
    this.stopWatching();
    const goneMs = Date.now() - this.goneSince;
    // An open under way is left to finish; its port is then closed by close().
    this.events.givenUp(goneMs);
  }

  private stopWatching(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.giveUpTimer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Stops all attempts; resolves once an open under way has finished (its port is then the caller's to close). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    await this.opening?.catch(() => undefined);
  }
}
