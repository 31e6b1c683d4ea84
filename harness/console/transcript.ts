import fs from 'node:fs';
import path from 'node:path';

/**
 * Every byte the console received, in order, as received (no normalization), written
 * synchronously so that a crashed run still leaves the evidence on disk. Harness notes (the
 * console went away, came back) are set on lines of their own, starting with "[hil ".
 */
export class Transcript {
  private fd: number | undefined;
  readonly path: string;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.path = file;
    this.fd = fs.openSync(file, 'a');
  }

  write(chunk: Buffer): void {
    if (this.fd !== undefined) fs.writeSync(this.fd, chunk);
  }

  note(text: string): void {
    if (this.fd !== undefined) fs.writeSync(this.fd, `\n[hil ${new Date().toISOString()}] ${text}\n`);
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
