import type { SshSession } from '../ssh/ssh-session.ts';
import type { Deadline } from '../wait/deadline.ts';
import type { LineSource } from './line-source.ts';
import { LineSplitter } from './line-splitter.ts';
import { awaitFollowerReady } from './follower-ready.ts';
import type { LogFollowerOptions } from './console-log-source.ts';

/** The profile's log command run over SSH; its output lines are the source. */
export class SshLogSource implements LineSource {
  readonly description: string;
  private stopStream: (() => void) | undefined;

  constructor(
    private readonly session: SshSession,
    private readonly logCommand: string,
    private readonly opts: LogFollowerOptions & { deadline?: Deadline } = {},
  ) {
    this.description = `${session.where} running "${logCommand}"`;
  }

  async start(onLine: (line: string) => void, onFailure?: (err: Error) => void): Promise<void> {
    const listeners = new Set<(line: string) => void>([onLine]);
    const splitter = new LineSplitter((line) => listeners.forEach((f) => f(line)));
    const s = await this.session.stream(this.logCommand, (chunk) => splitter.push(chunk), {
      deadline: this.opts.deadline,
      onEnd: (err) => {
        splitter.end();
        onFailure?.(err);
      },
    });
    this.stopStream = () => {
      s.stop();
      splitter.end();
    };
    const probe = this.opts.readyProbe;
    if (!probe) return;
    await awaitFollowerReady({
      where: this.description,
      subscribe: (f) => {
        listeners.add(f);
        return () => listeners.delete(f);
      },
      probe: (marker, deadline) => this.session.exec(probe.replaceAll('{marker}', marker), { deadline }),
      timeoutMs: this.opts.readyTimeoutMs,
      deadline: this.opts.deadline,
    });
  }

  async stop(): Promise<void> {
    this.stopStream?.();
    this.stopStream = undefined;
  }
}
