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
    // With force: true a missing file is reported again and again until it appears: not fatal.
    tail.on('error', () => undefined);
    await tail.start();
    this.tail = tail;
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
    this.tail = undefined;
  }
}
