import { boardHealthOf, healthWords, type BoardHealth } from './board-health.ts';
import { esc } from './html-text.ts';
import { nightLabels } from './night-labels.ts';
import { phaseTrendsOf, type PhaseSeries } from './phase-trend.ts';
import { digestRun, type RunDigest } from './run-digest.ts';
import { outcomeWords, type RunRecord } from './run-record.ts';
import { scenarioVerdictsOf, type ScenarioVerdict } from './scenario-verdicts.ts';
import { durationChart, labFaultChart } from './trend-svg.ts';
import { cellClass, glyph, GRID_SCRIPT, trendGrid } from './trend-grid.ts';

// The trend page: one self-contained HTML file (styles, charts and a small script that draws the
// grid's plain cells, inline; nothing fetched), so it opens from file:// on any machine. What it
// answers, in order: what to look at (regressions, flaky scenarios, sick boards, slower phases),
// every scenario's verdict, the grid of nights, lab faults per board, phase durations per type.

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1a1a1a}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse}th,td{padding:2px 6px;text-align:left}
.scroll{overflow-x:auto;max-width:100%}
.grid th[scope=row]{white-space:nowrap;position:sticky;left:0;background:#fff}
.grid td{width:1.1em;text-align:center;padding:1px;border:1px solid #fff;font-size:12px}
.grid thead th{font-weight:normal;font-size:11px;writing-mode:vertical-rl;padding:2px 0}
.grid thead th:first-child{writing-mode:horizontal-tb;font-weight:bold;font-size:14px}
.p{background:#cdeedd;color:#00543c}.f{background:#d55e00;color:#fff}.u{background:#cc79a7;color:#fff}
.l{background:#0072b2;color:#fff}.s{background:#eee;color:#666}.n{background:#fafafa}
td.f a,td.u a,td.l a{color:#fff;text-decoration:none;display:block}
.badge{font-size:11px;padding:0 5px;border-radius:8px;margin-left:4px;color:#fff}
.badge.flaky{background:#cc79a7}.badge.regression{background:#d55e00}.badge.sick{background:#0072b2}
.findings li{margin:.2em 0}.key{display:inline-block;padding:0 6px;margin-right:6px}
.verdicts td,.verdicts th{border-bottom:1px solid #ddd}
svg text{font:11px system-ui,sans-serif;fill:#1a1a1a}svg .chart-title{font-weight:bold}
svg .axis line{stroke:#555}svg .axis-title{fill:#555}
svg polyline{fill:none;stroke-width:1.5}svg .median{stroke:#0072b2;marker:url(#dot)}svg .p90{stroke:#e69f00;stroke-dasharray:5 3}
svg .slowdown line{stroke:#d55e00;stroke-dasharray:3 2}svg .slowdown text{fill:#d55e00;font-weight:bold}
svg.lab-faults rect{fill:#0072b2}svg.lab-faults .board line{stroke:#eee}svg.lab-faults .sick text{font-weight:bold;fill:#0072b2}
.charts{display:flex;flex-wrap:wrap;gap:8px}`;

/** The one marker every median line's dots use (one definition, not a circle per night). */
const DOT = `<svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs><marker id="dot" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="5" markerHeight="5"><circle cx="3" cy="3" r="2.5" fill="#0072b2"/></marker></defs></svg>`;

const row = (v: ScenarioVerdict) => `${esc(v.boardType)} · ${esc(v.scenario)}`;

function verdictText(v: ScenarioVerdict, nights: readonly string[], runs: readonly RunDigest[]): string {
  switch (v.kind) {
    case 'regression': {
      const image = runs[v.sinceRun!].imageVersion;
      return `fails since ${nights[v.sinceRun!]}${image ? ` (image ${esc(image)})` : ''}${v.lastFailedPhase ? `, in ${esc(v.lastFailedPhase)}` : ''}`;
    }
    case 'flaky':
      return `passed and failed on ${v.flakyImage!.startsWith('run ') ? 'the same run' : `image ${esc(v.flakyImage!)}`} (${v.productFailures} failures)`;
    case 'fixed':
      return 'failed before, passes now';
    default:
      return v.labFaults ? 'stable (lab faults only)' : 'stable';
  }
}

function findings(verdicts: ScenarioVerdict[], boards: BoardHealth[], series: PhaseSeries[], nights: readonly string[], runs: readonly RunDigest[]): string {
  const items = [
    ...verdicts.filter((v) => v.kind === 'regression').map((v) => `<li class="regression"><span class="badge regression">regression</span> ${row(v)}: ${verdictText(v, nights, runs)}</li>`),
    ...verdicts.filter((v) => v.kind === 'flaky').map((v) => `<li class="flaky"><span class="badge flaky">flaky</span> ${row(v)}: ${verdictText(v, nights, runs)}</li>`),
    ...boards.filter((b) => b.sick).map((b) => `<li class="sick"><span class="badge sick">sick board</span> ${esc(b.boardId)} (${esc(b.boardType)}): ${healthWords(b)}</li>`),
    ...series.flatMap((s) =>
      s.slowdowns.map((d) => `<li class="slower"><span class="badge regression">slower</span> ${esc(s.boardType)} ${esc(s.phase)}: median ${Math.round(d.increase * 100)} % above the nights before on ${nights[d.run]}${d.image ? ` (image ${esc(d.image)})` : ''}</li>`),
    ),
  ];
  return items.length ? `<ul class="findings">${items.join('')}</ul>` : '<p>Nothing stands out: no regression, no flaky scenario, no sick board, no slower phase.</p>';
}

export interface PageOptions {
  outDir: string;
  generated: Date;
  window: string;
}

export function trendPage(runs: readonly RunRecord[], o: PageOptions): string {
  return trendPageOf(runs.map(digestRun), o);
}

/** The page from the runs' digests (oldest first), as the store keeps them: HistoryStore.digests(). */
export function trendPageOf(runs: readonly RunDigest[], o: PageOptions): string {
  if (runs.length === 0) {
    return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>OTA trend: no runs</title><style>${STYLE}</style></head>\n<body><h1>OTA nights: no runs</h1><p>The run history holds no run (${esc(o.window)}). Runs are added by the history reporter, or by <code>hil history import reports/</code>.</p></body></html>\n`;
  }
  const nights = nightLabels(runs);
  const verdictMap = scenarioVerdictsOf(runs);
  const verdicts = [...verdictMap.values()].sort((a, b) => a.boardType.localeCompare(b.boardType) || a.scenario.localeCompare(b.scenario));
  const boards = boardHealthOf(runs);
  const series = phaseTrendsOf(runs);
  const span = `${nights[0]} to ${nights.at(-1)}`;
  const legend = (['passed', 'product-failure', 'unclassified', 'lab-fault', 'skipped'] as const).map((k) => `<span class="key ${cellClass[k]}">${glyph[k]} ${outcomeWords[k]}</span>`).join('');
  const verdictRows = verdicts
    .map((v) => `<tr data-kind="${v.kind}"><th scope="row">${row(v)}</th><td>${v.kind === 'regression' || v.kind === 'flaky' ? `<strong>${v.kind}</strong>: ` : ''}${verdictText(v, nights, runs)}</td><td>${v.firstFailureRun !== undefined ? nights[v.firstFailureRun] : '–'}</td><td>${v.productFailures}</td><td>${v.labFaults}</td><td>${v.runs}</td></tr>`)
    .join('\n');
  const types = [...new Set(series.map((s) => s.boardType))];
  const durations = types
    .map((t) => `<h3>${esc(t)}</h3><div class="charts">${series.filter((s) => s.boardType === t).map((s) => durationChart(s, nights)).join('')}</div>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>OTA trend: ${runs.length} runs, ${span}</title><style>${STYLE}</style></head>
<body>${DOT}
<h1>OTA nights: ${span}</h1>
<p>${runs.length} runs (${esc(o.window)}); page made ${o.generated.toISOString().slice(0, 16).replace('T', ' ')} UTC.</p>
<section id="findings"><h2>What stands out</h2>${findings(verdicts, boards, series, nights, runs)}</section>
<section id="scenarios"><h2>Scenarios</h2><table class="verdicts"><thead><tr><th scope="col">board type · scenario</th><th scope="col">verdict</th><th scope="col">first failed</th><th scope="col">product failures</th><th scope="col">lab faults</th><th scope="col">runs</th></tr></thead><tbody>
${verdictRows}
</tbody></table></section>
<section id="nights"><h2>Night by night</h2><p class="legend">${legend}. A failed cell links to that test's report, a night to its run's report; hover a cell for its boards.</p>
${trendGrid(runs, nights, verdictMap, o.outDir)}</section>
<section id="boards"><h2>Lab faults per board</h2><p>A sick board has lab faults on at least 3 of its last 10 nights: its row fills up while the others stay empty.</p>${labFaultChart(boards, nights)}</section>
<section id="durations"><h2>OTA phase durations per board type</h2><p>Median (<span style="color:#0072b2">solid, dots</span>) and p90 (<span style="color:#b07000">dashed</span>) of each night's tests; a night whose median is 20 % or more above the nights before is marked.</p>
${durations}</section>
<script>${GRID_SCRIPT}for (const s of document.querySelectorAll('.scroll')) s.scrollLeft = s.scrollWidth;</script>
</body></html>
`;
}
