import type { SerialConsole } from '../console/serial-console.ts';
import type { LineSource } from './line-source.ts';
import { awaitFollowerReady } from './follower-ready.ts';
import type { Deadline } from '../wait/deadline.ts';

export interface LogFollowerOptions {
  /** Prints this boot's lines from its start, then follows: for the first login after a boot. */
  sinceBootCommand?: string;
  /** Logs a marker where the log command will see it; {marker} is replaced (`logger -t ota-hil {marker}`). */
  readyProbe?: string;
  readyTimeoutMs?: number;
}

/**
 * The board's daemon logs on its serial console: every console line (kernel, bootloader and init
 * messages included, which show the reboot), plus the profile's log command started in the
 * background after login so that hubby, attrd and otamgr lines print there too. The command must
 * print only new lines (`tail -n0 -F /var/log/messages`, `journalctl -f -n0`).
 */
export class ConsoleLogSource implements LineSource {
  readonly description: string;
  private unsubscribe: (() => void) | undefined;
  private unwatchLoss: (() => void) | undefined;

  constructor(
    private readonly console: SerialConsole,
    private readonly logCommand: string | undefined,
    private readonly opts: LogFollowerOptions = {},
  ) {
    this.description = `${console.name}${logCommand ? ` running "${logCommand}"` : ''}`;
  }

  async start(onLine: (line: string) => void, onFailure?: (err: Error) => void): Promise<void> {
    this.unsubscribe = this.console.onLineReceived(onLine);
    // A console that comes back after a gap goes on carrying lines; one given up on does not.
    if (onFailure) this.unwatchLoss = this.console.onGivenUp(onFailure);
    if (this.logCommand) await this.startLogCommand();
  }

  /**
   * Starts the log command (again, after a reboot, once logged in); returns once it follows.
   * `sinceBoot`: the board has just booted, so this boot's earlier lines are wanted too.
   */
  async startLogCommand(o: { sinceBoot?: boolean; deadline?: Deadline } = {}): Promise<void> {
    const command = (o.sinceBoot && this.opts.sinceBootCommand) || this.logCommand;
    if (!command) return;
    const phase = o.deadline?.phase ?? 'log follower';
    await this.console.run(`(${command}) & echo $! > /tmp/.hil-log-follower.pid`, { check: true, phase, deadline: o.deadline });
    // The marker comes out after whatever the command replays: once it is seen, the replayed
    // lines are all in, and a push's lines cannot be mistaken for them.
    const probe = this.opts.readyProbe;
    if (!probe) return;
    await awaitFollowerReady({
      where: this.description,
      subscribe: (f) => this.console.onLineReceived(f),
      probe: (marker, deadline) => this.console.run(probe.replaceAll('{marker}', marker), { phase, deadline }),
      timeoutMs: this.opts.readyTimeoutMs,
      deadline: o.deadline,
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unwatchLoss?.();
    this.unwatchLoss = undefined;
    if (this.logCommand && this.console.isConnected) {
      await this.console.run('kill $(cat /tmp/.hil-log-follower.pid) 2>/dev/null; rm -f /tmp/.hil-log-follower.pid', { timeoutMs: 10_000 }).catch(() => undefined);
    }
  }
}
