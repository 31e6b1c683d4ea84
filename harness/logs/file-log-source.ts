import Tail from 'tail-file';
import { normalizeConsoleText } from '../console/text-normalizer.ts';
import type { LineSource } from './line-source.ts';

/**
 * A local file that something else writes: a conserver or ser2net console log, a syslog relay.
 * Follows it from its current end (or from the start), across rotation and truncation.
 */
export class FileLogSource implements LineSource {
  readonly description: string;
  private tail: Tail | undefined;

  constructor(private readonly file: string, private readonly from: 'start' | 'end' = 'end') {
    this.description = `file ${file}`;
  }

  async start(onLine: (line: string) => void): Promise<void> {
    const tail = new Tail(this.file, { startPos: this.from, force: true, sep: /\r?\n/ });
    tail.on('line', (line: string) => onLine(normalizeConsoleText(line).replace(/\n/g, ' ')));
    // tail-file's start() returns before it has stat'ed the file's end: a line appended in between
    // would be taken as part of the start position and never reported. 'ready' comes once the
    // position is set and the file open. A missing file reports an error instead (again and again
    // with force: true, not fatal): it is then read from its start when it appears.
    await new Promise<void>((resolve) => {
      const settle = () => {
        tail.off('ready', settle);
        tail.off('error', settle);
        resolve();
      };
      tail.on('ready', settle);
      tail.on('error', settle);
      tail.start();
    });
    tail.on('error', () => undefined);
    this.tail = tail;
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
    this.tail = undefined;
  }
}
