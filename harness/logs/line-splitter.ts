import { ConsoleTextNormalizer } from '../console/text-normalizer.ts';

/** Pieces of a partial line joined into one block at a time, so that each character is copied at most twice. */
const PIECES_PER_BLOCK = 1024;

/**
 * Bytes in, normalized complete lines out; a partial line waits for the rest. Linear in the bytes
 * pushed however they are chunked: only the new text is searched for line ends, and a long partial
 * line is kept as pieces and joined once when it ends.
 */
export class LineSplitter {
  private readonly normalizer = new ConsoleTextNormalizer();
  private blocks: string[] = [];
  private pieces: string[] = [];
  private kept = 0;
  private readonly maxLineLength: number;

  /** `maxLineLength`: keep only the start of a longer line (the rest is dropped, up to its line end). */
  constructor(private readonly onLine: (line: string) => void, o: { maxLineLength?: number } = {}) {
    this.maxLineLength = o.maxLineLength ?? Infinity;
  }

  push(chunk: Buffer): void {
    const text = this.normalizer.push(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.keep(text, start, nl);
      this.onLine(this.takeLine());
      start = nl + 1;
    }
    this.keep(text, start, text.length);
  }

  end(): void {
    const rest = this.takeLine() + this.normalizer.flush();
    for (const l of rest.split('\n')) if (l) this.onLine(l.slice(0, this.maxLineLength));
  }

  private keep(text: string, from: number, to: number): void {
    const end = Math.min(to, from + this.maxLineLength - this.kept);
    if (end <= from) return;
    this.pieces.push(from === 0 && end === text.length ? text : text.slice(from, end));
    this.kept += end - from;
    if (this.pieces.length >= PIECES_PER_BLOCK) {
      this.blocks.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  private takeLine(): string {
    const tail = this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    const line = this.blocks.length ? this.blocks.join('') + tail : tail;
    this.blocks = [];
    this.pieces = [];
    this.kept = 0;
    return line;
  }
}
