import { ConsoleTextNormalizer } from '../console/text-normalizer.ts';

/** Bytes in, normalized complete lines out; a partial line waits for the rest. */
export class LineSplitter {
  private readonly normalizer = new ConsoleTextNormalizer();
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.partial + this.normalizer.push(chunk);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.onLine(l);
  }

  end(): void {
    const rest = this.partial + this.normalizer.flush();
    this.partial = '';
    for (const l of rest.split('\n')) if (l) this.onLine(l);
  }
}
