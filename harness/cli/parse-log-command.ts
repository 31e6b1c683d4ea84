import fs from 'node:fs';
import { parseLog, eventToJson } from '../logs/parse.ts';
import { buildTimeline, splitAttempts } from '../logs/timeline.ts';
import { formatEvents, formatTimeline } from '../logs/report-text.ts';

/** `hil parse-log FILE [--json]`: the OTA events and timeline of a captured log. */
export function parseLogCommand(file: string, opts: { json?: boolean; year?: string }): number {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    process.stderr.write(`hil parse-log: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  const year = opts.year === undefined ? undefined : Number(opts.year);
  const events = parseLog(raw);
  const attempts = splitAttempts(events);
  const timelines = attempts.map((a) => buildTimeline(a, { year }));
  const last = timelines.at(-1) ?? buildTimeline(events, { year });
  if (opts.json) {
    const out = {
      events: events.map(eventToJson),
      phases: last.phases,
      verdict: last.verdict,
      summary: last.summary,
      targetVersion: last.targetVersion,
      runningVersion: last.runningVersion,
      attempts: timelines,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const parts = [`${file}: ${events.length} OTA events, ${attempts.length} attempt(s)`, formatEvents(events)];
  timelines.forEach((t, i) => parts.push(timelines.length > 1 ? `attempt ${i + 1}\n${formatTimeline(t)}` : formatTimeline(t)));
  if (timelines.length === 0) parts.push(formatTimeline(last));
  process.stdout.write(`${parts.join('\n\n')}\n`);
  return 0;
}
