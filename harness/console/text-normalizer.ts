import { StringDecoder } from 'node:string_decoder';

// Turns the raw bytes of a serial console into plain text lines: UTF-8 decoded across chunk
// boundaries, ANSI escape sequences removed (busybox sends ESC[6n after its prompt), and CRLF,
// CR CR LF and a lone CR all read as one line break. Every piece of state survives a chunk
// boundary, so a sequence split over two reads is handled like one that arrived whole.

const ESC = 0x1b;
const BEL = 0x07;

const CONTROL = /[\x00-\x08\x0b-\x1f]/;

type EscState = 'none' | 'esc' | 'csi' | 'osc' | 'osc-esc';

export class ConsoleTextNormalizer {
  private readonly decoder = new StringDecoder('utf8');
  private esc: EscState = 'none';
  private pendingCR = false;

  /** Feeds raw bytes; returns the normalized text they complete (may be empty). */
  push(chunk: Buffer): string {
    return this.pushText(this.decoder.write(chunk));
  }

  pushText(text: string): string {
    // Most console text is plain: hand it through untouched when nothing needs the state machine.
    if (this.esc === 'none' && !this.pendingCR && !CONTROL.test(text)) return text;
    let out = '';
    let run = 0; // start of the current run of plain characters, copied in one slice
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.esc === 'none' && !this.pendingCR && (c >= 0x20 || c === 0x0a || c === 0x09)) continue;
      if (run < i && this.esc === 'none') out += text.slice(run, i);
      run = i + 1;
      if (this.esc !== 'none') {
        this.stepEscape(c);
        continue;
      }
      if (c === ESC) {
        this.esc = 'esc';
        continue;
      }
      if (c === 0x0d) {
        this.pendingCR = true;
        continue;
      }
      if (this.pendingCR) {
        this.pendingCR = false;
        out += '\n';
        if (c === 0x0a) continue;
        if (c >= 0x20 || c === 0x09) {
          run = i; // a plain character after a lone CR starts the next run
          continue;
        }
      }
      // Other C0 controls (NUL, BEL, backspace...) carry no text.
    }
    if (run < text.length && this.esc === 'none' && !this.pendingCR) out += text.slice(run);
    return out;
  }

  /** Text still held back at the end of the stream (a trailing lone CR). */
  flush(): string {
    const tail = this.pushText(this.decoder.end());
    if (this.pendingCR) {
      this.pendingCR = false;
      return `${tail}\n`;
    }
    return tail;
  }

  private stepEscape(c: number): void {
    switch (this.esc) {
      case 'esc':
        if (c === 0x5b) this.esc = 'csi'; // ESC [
        else if (c === 0x5d) this.esc = 'osc'; // ESC ]
        else if (c >= 0x20 && c <= 0x2f) this.esc = 'esc'; // intermediate bytes, e.g. ESC ( B
        else this.esc = 'none'; // two-byte sequence such as ESC 7, ESC M
        return;
      case 'csi':
        // Parameters and intermediates are 0x20-0x3f; a final byte 0x40-0x7e ends the sequence.
        if (c >= 0x40 && c <= 0x7e) this.esc = 'none';
        else if (c < 0x20 || c > 0x7e) this.esc = 'none'; // malformed: drop it and go on
        return;
      case 'osc':
        if (c === BEL) this.esc = 'none';
        else if (c === ESC) this.esc = 'osc-esc';
        return;
      case 'osc-esc':
        this.esc = c === 0x5c ? 'none' : 'osc'; // ESC \ ends an OSC string
        return;
    }
  }
}

/** Normalizes a whole captured text at once (a console transcript read from a file). */
export function normalizeConsoleText(raw: Buffer | string): string {
  const n = new ConsoleTextNormalizer();
  const body = typeof raw === 'string' ? n.pushText(raw) : n.push(raw);
  return body + n.flush();
}
