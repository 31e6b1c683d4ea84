import type { Timeline, PhaseStatus } from '../logs/timeline.ts';

// A picture of one OTA attempt for the HTML report: one bar per phase on a shared time axis,
// coloured by how the phase ended, with its duration. Plain SVG, no script, no external assets.

const colours: Record<PhaseStatus, string> = { done: '#2e7d32', failed: '#c62828', open: '#f9a825', 'not-reached': '#9e9e9e' };

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function timelineSvg(t: Timeline, title: string): string {
  const width = 760;
  const left = 90;
  const right = 90;
  const rowH = 28;
  const top = 48;
  const height = top + t.phases.length * rowH + 40;
  const timed = t.phases.filter((p) => p.start !== undefined);
  const t0 = Math.min(...timed.map((p) => p.start!));
  const t1 = Math.max(...timed.map((p) => p.end ?? p.start!));
  const span = Math.max(1, t1 - t0);
  const x = (ms: number) => left + ((ms - t0) / span) * (width - left - right);
  const rows = t.phases.map((p, i) => {
    const y = top + i * rowH;
    const label = `<text x="${left - 8}" y="${y + 17}" text-anchor="end" font-size="13">${p.name}</text>`;
    if (p.start === undefined) return `${label}<text x="${left}" y="${y + 17}" font-size="12" fill="${colours[p.status]}">${p.status}</text>`;
    const x0 = x(p.start);
    const x1 = Math.max(x0 + 3, x(p.end ?? t1));
    const text = p.durationMs !== undefined ? seconds(p.durationMs) : p.status;
    return `${label}<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${(x1 - x0).toFixed(1)}" height="${rowH - 8}" rx="3" fill="${colours[p.status]}"><title>${esc(`${p.name}: ${p.status}${p.failure ? ` (${p.failure})` : ''}`)}</title></rect><text x="${(x1 + 6).toFixed(1)}" y="${y + 17}" font-size="12">${esc(text)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="40" font-size="12" fill="#444">${esc(`${t.verdict}: ${t.summary}`)}</text>`,
    ...rows,
    timed.length ? `<text x="${left}" y="${height - 12}" font-size="11" fill="#666">0 s</text><text x="${width - right}" y="${height - 12}" font-size="11" fill="#666" text-anchor="end">${seconds(span)}</text>` : '',
    '</svg>',
  ].join('\n');
}
