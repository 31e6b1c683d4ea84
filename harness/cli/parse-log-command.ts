import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLogFd, eventToJson } from '../logs/parse.ts';
import { AttemptTimelines, type Timeline } from '../logs/timeline.ts';
import { eventsHeader, formatEventRow, formatTimeline } from '../logs/report-text.ts';

// `hil parse-log FILE [--json]`: the OTA events and timeline of a captured log, of any size. The
// file is read in chunks and each event is written as it is found; an attempt's timeline is built
// from bounded state and, once the attempt ends, spilled to a temporary file, copied to the output
// after the last event. Memory does not grow with the log. Synchronous on purpose: the command
// does one thing at a time, and blocking writes are the backpressure.

/** Output bytes gathered before one write. */
const WRITE_BATCH = 1 << 16;

/** Something to block on for a few milliseconds. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Buffered blocking writes to a file descriptor (stdout may be a non-blocking pipe: wait for room). */
class SyncWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly fd: number) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= WRITE_BATCH) this.flush();
  }

  flush(): void {
    if (!this.size) return;
    this.writeAll(Buffer.from(this.parts.join('')));
    this.parts = [];
    this.size = 0;
  }

  writeAll(buf: Buffer): void {
    for (let off = 0; off < buf.length; ) {
      try {
        off += fs.writeSync(this.fd, buf, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(pause, 0, 0, 5); // the reader is behind: let it read
      }
    }
  }
}

/** Finished attempts, written to a temporary file as they end and copied to the output at the end. */
class AttemptSpill {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-parse-log-'));
  private readonly file = path.join(this.dir, 'attempts');
  private readonly fd = fs.openSync(this.file, 'w');
  readonly writer = new SyncWriter(this.fd);

  copyTo(out: SyncWriter): void {
    this.writer.flush();
    out.flush();
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) out.writeAll(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }

  remove(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function openLog(file: string): number | string {
  try {
    const fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      return 'EISDIR (a directory, expected a log file)';
    }
    return fd;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

const indent = (text: string, by: string) => text.replaceAll('\n', `\n${by}`);

/** `hil parse-log FILE [--json]`: the OTA events and timeline of a captured log. */
export function parseLogCommand(file: string, opts: { json?: boolean; year?: string }): number {
  const year = opts.year === undefined ? undefined : Number(opts.year); // checked as parsed (yearOption)
  const fd = openLog(file);
  if (typeof fd === 'string') {
    process.stderr.write(`hil parse-log: cannot read ${file}: ${fd}\n`);
    return 2;
  }
  const out = new SyncWriter(1);
  const spill = new AttemptSpill();
  try {
    if (opts.json) writeJson(fd, out, spill, year);
    else writeText(file, fd, out, spill, year);
    out.flush();
    return 0;
  } catch (e) {
    // A reader that went away (`| head`) wants no more: not an error of the log.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    throw e;
  } finally {
    fs.closeSync(fd);
    spill.remove();
  }
}

/** One JSON document: {events, phases, verdict, summary, targetVersion, runningVersion, attempts}, events one per line. */
function writeJson(fd: number, out: SyncWriter, spill: AttemptSpill, year?: number): void {
  const attempts = new AttemptTimelines((t, i) => spill.writer.write(`${i ? ',\n' : ''}    ${JSON.stringify(t)}`), year);
  let events = 0;
  out.write('{\n  "events": [');
  parseLogFd(fd, (ev) => {
    out.write(`${events++ ? ',' : ''}\n    ${JSON.stringify(eventToJson(ev))}`);
    attempts.add(ev);
  });
  const last = attempts.end();
  out.write(`${events ? '\n  ' : ''}],\n`);
  const tail = { phases: last.phases, verdict: last.verdict, summary: last.summary, targetVersion: last.targetVersion, runningVersion: last.runningVersion };
  for (const [k, v] of Object.entries(tail)) if (v !== undefined) out.write(`  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), '  ')},\n`);
  out.write(`  "attempts": [${attempts.count ? '\n' : ''}`);
  spill.copyTo(out);
  out.write(`${attempts.count ? '\n  ' : ''}]\n}\n`);
}

/** The events table as the events come, then each attempt's phases and verdict, then the counts. */
function writeText(file: string, fd: number, out: SyncWriter, spill: AttemptSpill, year?: number): void {
  // A single attempt is printed without its number: hold the first until a second one comes.
  let held: Timeline | undefined;
  const attempts = new AttemptTimelines((t, i) => {
    if (i === 0) held = t;
    else {
      if (held) spill.writer.write(`\n\nattempt 1\n${formatTimeline(held)}`);
      held = undefined;
      spill.writer.write(`\n\nattempt ${i + 1}\n${formatTimeline(t)}`);
    }
  }, year);
  let events = 0;
  out.write(eventsHeader());
  const lines = parseLogFd(fd, (ev) => {
    events++;
    out.write(`\n${formatEventRow(ev)}`);
    attempts.add(ev);
  });
  const last = attempts.end();
  if (attempts.count <= 1) out.write(`\n\n${formatTimeline(held ?? last)}`);
  else spill.copyTo(out);
  out.write(`\n\n${file}: ${events} OTA events, ${attempts.count} attempt(s) in ${lines} lines\n`);
}
