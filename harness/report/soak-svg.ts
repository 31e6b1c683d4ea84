// The power-cut soak's picture: the install window of the uncut update on a time axis (its OTA
// events as ticks), and every cut instant as a dot coloured by what the board came back as.
// Plain SVG, no script, readable at a glance; colours from a palette safe for colour-blind eyes.

export type CutOutcome = 'old' | 'new' | 'failed';

export interface SoakCut {
  cycle: number;
  /** Milliseconds after HandleValidateOTA(0). */
  atMs: number;
  outcome: CutOutcome;
  note?: string;
}

export const outcomeColours: Record<CutOutcome, string> = { old: '#0072b2', new: '#009e73', failed: '#d55e00' };
const outcomeWords: Record<CutOutcome, string> = { old: 'came back old', new: 'came back new', failed: 'failed' };

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function soakSvg(o: { title: string; windowMarks: { label: string; atMs: number }[]; cuts: SoakCut[] }): string {
  const width = 820;
  const left = 40;
  const right = 40;
  const axisY = 150;
  const span = Math.max(1, ...o.windowMarks.map((m) => m.atMs), ...o.cuts.map((c) => c.atMs));
  const x = (ms: number) => left + (ms / span) * (width - left - right);
  const counts = { old: 0, new: 0, failed: 0 };
  for (const c of o.cuts) counts[c.outcome]++;
  const marks = o.windowMarks.map(
    (m, i) =>
      `<line x1="${x(m.atMs).toFixed(1)}" y1="${axisY - 6}" x2="${x(m.atMs).toFixed(1)}" y2="${axisY + 6}" stroke="#444"/>` +
      `<text x="${x(m.atMs).toFixed(1)}" y="${axisY + 22 + (i % 3) * 13}" font-size="11" text-anchor="middle" fill="#444">${esc(m.label)}</text>`,
  );
  // Dots stacked per cycle so that cuts at nearly the same instant stay visible.
  const dots = o.cuts.map((c, i) => {
    const y = axisY - 16 - (i % 6) * 12;
    return `<circle cx="${x(c.atMs).toFixed(1)}" cy="${y}" r="5" fill="${outcomeColours[c.outcome]}"><title>${esc(`cycle ${c.cycle}: cut ${(c.atMs / 1000).toFixed(2)} s after HandleValidateOTA(0), ${outcomeWords[c.outcome]}${c.note ? ` (${c.note})` : ''}`)}</title></circle>`;
  });
  const legend = (Object.keys(outcomeColours) as CutOutcome[]).map(
    (k, i) => `<circle cx="${left + 8 + i * 170}" cy="52" r="5" fill="${outcomeColours[k]}"/><text x="${left + 18 + i * 170}" y="56" font-size="12">${outcomeWords[k]}: ${counts[k]}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="220" viewBox="0 0 ${width} 220" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="12" y="24" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
    ...legend,
    `<line x1="${left}" y1="${axisY}" x2="${width - right}" y2="${axisY}" stroke="#444"/>`,
    ...marks,
    ...dots,
    `<text x="${left}" y="210" font-size="11" fill="#666">0 s (HandleValidateOTA(0))</text>`,
    `<text x="${width - right}" y="210" font-size="11" fill="#666" text-anchor="end">${(span / 1000).toFixed(1)} s</text>`,
    '</svg>',
  ].join('\n');
}
