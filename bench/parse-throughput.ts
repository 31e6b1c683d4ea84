import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLog } from '../harness/logs/parse.ts';
import { OtaEventLog } from '../harness/logs/event-log.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Lines per second through the parser: a whole captured log, and line by line as a live event log takes them. */
export function benchParseThroughput(targetLines = 300_000): { lines: number; fileLinesPerSec: number; liveLinesPerSec: number } {
  const seed = fs.readFileSync(path.join(here, '../harness/logs/fixtures/sama5d2-seed-then-reboot.log'), 'utf8').split('\n');
  // Mostly noise (kernel and daemon chatter), as a real console is, with whole OTA traces inside.
  const lines: string[] = [];
  for (let i = 0; lines.length < targetLines; i++) {
    if (i % 10 === 0) lines.push(...seed);
    else lines.push(`Nov 26 10:00:${String(i % 60).padStart(2, '0')} board kernel: [ ${i}.000000] usb 1-1: device descriptor read/64, error -71`);
  }
  const text = lines.join('\r\n');
  let t0 = performance.now();
  parseLog(text);
  const fileSec = (performance.now() - t0) / 1000;
  const log = new OtaEventLog('bench');
  t0 = performance.now();
  for (const l of lines) log.feed(l);
  const liveSec = (performance.now() - t0) / 1000;
  return { lines: lines.length, fileLinesPerSec: Math.round(lines.length / fileSec), liveLinesPerSec: Math.round(lines.length / liveSec) };
}
