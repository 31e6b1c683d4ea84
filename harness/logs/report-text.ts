import type { OtaEvent } from './parse.ts';
import type { Timeline } from './timeline.ts';

// Plain-text views of events and a timeline, for the CLI and for failure messages.

function detail(ev: OtaEvent): string {
  return Object.entries(ev.fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function clock(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().slice(11, 19);
}

/** The header of the events table. */
export function eventsHeader(): string {
  return `${'line'.padStart(6)}  ${'syslog time'.padEnd(15)}  ${'event'.padEnd(19)}  fields`;
}

/** One row of the events table. */
export function formatEventRow(e: OtaEvent): string {
  return `${String(e.lineNo).padStart(6)}  ${(e.syslogTime ?? '').padEnd(15)}  ${e.kind.padEnd(19)}  ${detail(e)}`;
}

export function formatEvents(events: readonly OtaEvent[]): string {
  return [eventsHeader(), ...events.map(formatEventRow)].join('\n');
}

export function formatTimeline(t: Timeline): string {
  const rows = t.phases.map((p) => {
    const span = p.start !== undefined ? `${clock(p.start)} -> ${clock(p.end) || '?'}` : '';
    const dur = p.durationMs !== undefined ? `${(p.durationMs / 1000).toFixed(1)} s` : '';
    const lines = p.startLine !== undefined ? `lines ${p.startLine}-${p.endLine ?? '?'}` : '';
    return `  ${p.name.padEnd(9)} ${p.status.padEnd(12)} ${span.padEnd(21)} ${dur.padStart(9)}  ${lines}`;
  });
  return [`phases:`, ...rows, `verdict: ${t.verdict} (${t.summary})`].join('\n');
}
