import type { SshSession } from '../ssh/ssh-session.ts';
import type { LineSource } from './line-source.ts';
import { LineSplitter } from './line-splitter.ts';

/** The profile's log command run over SSH; its output lines are the source. */
export class SshLogSource implements LineSource {
  readonly description: string;
  private stopStream: (() => void) | undefined;

  constructor(private readonly session: SshSession, private readonly logCommand: string) {
    this.description = `${session.where} running "${logCommand}"`;
  }

  async start(onLine: (line: string) => void): Promise<void> {
    const splitter = new LineSplitter(onLine);
    const s = await this.session.stream(this.logCommand, (chunk) => splitter.push(chunk));
    s.channel.once('close', () => splitter.end());
    this.stopStream = s.stop;
  }

  async stop(): Promise<void> {
    this.stopStream?.();
    this.stopStream = undefined;
  }
}
