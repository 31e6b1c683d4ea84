import type { BoardHealth } from './board-health.ts';
import { esc, secondsText } from './html-text.ts';
import type { PhaseSeries } from './phase-trend.ts';

// The trend page's charts, as inline SVG (no library, nothing to load): a phase's duration over
// the nights (median: solid with a dot per night, p90: dashed; a night where the median jumped
// is marked), and the lab faults of every board over the nights. Colours from the Okabe-Ito
// palette (told apart with colour-blindness), and never colour alone: lines differ by dash.

/** A round number of seconds at or above `ms`, for the top of a y axis. */
function niceCeiling(ms: number): number {
  const s = Math.max(1, ms / 1000);
  const step = 10 ** Math.floor(Math.log10(s));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= s) return m * step * 1000;
  return 10 * step * 1000;
}

const W = 420;
const H = 190;
const M = { left: 50, right: 12, top: 22, bottom: 36 };

/** Where night `i` of `n` is on an axis `width` wide. */
const xOf = (i: number, n: number, width: number): number => M.left + (n > 1 ? (i * width) / (n - 1) : width / 2);

/** The x ticks: first, middle and last night. */
function xTicks(labels: readonly string[], at: (i: number) => number, y: number): string {
  const n = labels.length;
  if (n === 0) return '';
  const picks = [...new Set([0, Math.floor((n - 1) / 2), n - 1])].filter((i) => i >= 0);
  return picks.map((i, k) => `<text x="${at(i).toFixed(0)}" y="${y}" text-anchor="${k === 0 && picks.length > 1 ? 'start' : k === picks.length - 1 && picks.length > 1 ? 'end' : 'middle'}">${esc(labels[i])}</text>`).join('');
}

export function durationChart(s: PhaseSeries, nights: readonly string[]): string {
  const n = nights.length;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const top = niceCeiling(Math.max(0, ...s.points.map((p) => p.p90Ms)));
  const x = (i: number) => xOf(i, n, plotW);
  const y = (ms: number) => M.top + plotH * (1 - ms / top);
  const line = (pick: (p: PhaseSeries['points'][number]) => number) => s.points.map((p) => `${x(p.run).toFixed(0)},${y(pick(p)).toFixed(0)}`).join(' ');
  const last = s.points.at(-1);
  const label = `${s.boardType}, ${s.phase}: duration per night, median and p90${last ? `; last night median ${secondsText(last.medianMs)}, p90 ${secondsText(last.p90Ms)}` : ''}${s.slowdowns.map((d) => `; ${Math.round(d.increase * 100)} % slower on ${nights[d.run]}`).join('')}`;
  const marks = s.slowdowns
    .map((d) => {
      const at = x(d.run).toFixed(0);
      return `<g class="slowdown"><line x1="${at}" x2="${at}" y1="${M.top}" y2="${M.top + plotH}"/><text x="${at}" y="${M.top - 6}" text-anchor="middle">+${Math.round(d.increase * 100)} %${d.image ? ` (${esc(d.image)})` : ''}</text><title>${esc(`${nights[d.run]}: median ${secondsText(d.medianMs)}, ${Math.round(d.increase * 100)} % above the ${secondsText(d.baselineMs)} of the nights before`)}</title></g>`;
    })
    .join('');
  return (
    `<svg class="duration" role="img" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" data-board-type="${esc(s.boardType)}" data-phase="${esc(s.phase)}" data-points="${s.points.length}" aria-label="${esc(label)}">` +
    `<title>${esc(label)}</title>` +
    `<text class="chart-title" x="${M.left}" y="12">${esc(s.phase)}</text>` +
    `<g class="axis"><line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}"/><line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}"/>` +
    [0, top / 2, top].map((v) => `<text x="${M.left - 4}" y="${(y(v) + 4).toFixed(0)}" text-anchor="end">${secondsText(v)}</text>`).join('') +
    xTicks(nights, x, M.top + plotH + 14) +
    `<text class="axis-title" x="${M.left + plotW / 2}" y="${H - 4}" text-anchor="middle">night</text>` +
    `<text class="axis-title" transform="translate(11 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">duration</text></g>` +
    marks +
    `<polyline class="p90" points="${line((p) => p.p90Ms)}"/>` +
    `<polyline class="median" points="${line((p) => p.medianMs)}"/>` +
    `</svg>`
  );
}

/** One row per board, one column per night; a filled square where the board had lab faults. */
export function labFaultChart(boards: readonly BoardHealth[], nights: readonly string[]): string {
  const n = nights.length;
  const left = 150;
  const plotW = Math.max(200, Math.min(900, n * 14));
  const row = 14;
  const cell = plotW / Math.max(1, n);
  const top = 20;
  const h = top + boards.length * row + 40;
  const w = left + plotW + 12;
  const rows = boards
    .map((b, k) => {
      const yy = top + k * row;
      const squares = [...b.labFaultsByRun]
        .filter(([, c]) => c > 0)
        .map(([i, c]) => `<rect x="${(left + i * cell).toFixed(1)}" y="${yy + 2}" width="${Math.max(1.5, cell - 1).toFixed(1)}" height="${row - 4}"><title>${esc(`${b.boardId}, ${nights[i]}: ${c} lab fault${c > 1 ? 's' : ''}`)}</title></rect>`)
        .join('');
      return `<g class="board${b.sick ? ' sick' : ''}" data-board="${esc(b.boardId)}"><text x="${left - 6}" y="${yy + row - 3}" text-anchor="end">${esc(b.boardId)}${b.sick ? ' ⚠ sick' : ''}</text><line x1="${left}" x2="${left + plotW}" y1="${yy + row / 2}" y2="${yy + row / 2}"/>${squares}</g>`;
    })
    .join('');
  const axisY = top + boards.length * row;
  const label = `Lab faults per board and night; ${boards.filter((b) => b.sick).map((b) => `${b.boardId} is sick`).join(', ') || 'no sick board'}`;
  return (
    `<svg class="lab-faults" role="img" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" aria-label="${esc(label)}"><title>${esc(label)}</title>` +
    rows +
    `<g class="axis"><line x1="${left}" x2="${left + plotW}" y1="${axisY}" y2="${axisY}"/>${xTicks(nights, (i) => left + i * cell, axisY + 14)}` +
    `<text class="axis-title" x="${left + plotW / 2}" y="${h - 4}" text-anchor="middle">night</text><text class="axis-title" x="${left - 6}" y="12" text-anchor="end">board</text></g></svg>`
  );
}
