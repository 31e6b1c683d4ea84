import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { esc } from './html-text.ts';
import type { RowNight, RunDigest } from './run-digest.ts';
import { outcomeWords, type Outcome } from './run-record.ts';
import { rowKey, type ScenarioVerdict } from './scenario-verdicts.ts';

// The grid of nights × (board type, scenario). A cell shows the worst result of the night's
// boards of that type (product failure, unclassified, lab fault, passed, skipped), as a colour
// and a glyph; a cell with a failure links to that test's report, a night's header to the run's.

export const glyph: Record<Outcome, string> = { passed: '✓', 'product-failure': '✗', unclassified: '?', 'lab-fault': '⚠', skipped: '–' };
export const cellClass: Record<Outcome, string> = { passed: 'p', 'product-failure': 'f', unclassified: 'u', 'lab-fault': 'l', skipped: 's' };

/** A report link as the page uses it: a local file relative to the page's folder (the page and the reports move together). */
export function pageLink(link: string, outDir: string): string {
  let file: string | undefined;
  if (link.startsWith('file:')) file = fileURLToPath(link.replace(/#.*$/, ''));
  else if (path.isAbsolute(link)) file = link.replace(/#.*$/, '');
  if (file === undefined) return link;
  const hash = /#.*$/.exec(link)?.[0] ?? '';
  const rel = path.relative(outDir, file).split(path.sep).join('/');
  return `${rel.startsWith('.') ? '' : './'}${encodeURI(rel)}${hash}`;
}

const badge = (v: ScenarioVerdict): string => (v.kind === 'flaky' || v.kind === 'regression' ? ` <span class="badge ${v.kind}">${v.kind}</span>` : '');

/** A night's cell in a row's `data-cells`: passed, skipped and empty nights are one letter each; `*` stands for the next written cell. */
const letter: Partial<Record<Outcome, string>> = { passed: 'p', skipped: 's' };

/**
 * The script that draws the letters into cells on load (50,000 nights' cells as 50 KB of letters,
 * instead of a megabyte of markup): failed cells are written as markup, links and all.
 */
export const GRID_SCRIPT = `{const c={p:'<td class=p>${glyph.passed}</td>',s:'<td class=s>${glyph.skipped}</td>',n:'<td class=n></td>'};for(const tr of document.querySelectorAll('table.grid tr[data-cells]')){const kept=[...tr.cells].slice(1).map((td)=>td.outerHTML);let k=0,h=tr.cells[0].outerHTML;for(const l of tr.dataset.cells)h+=l==='*'?kept[k++]:c[l];tr.innerHTML=h;}}`;

export function trendGrid(runs: readonly RunDigest[], nights: readonly string[], verdicts: Map<string, ScenarioVerdict>, outDir: string): string {
  const cells = new Map<string, (RowNight | undefined)[]>();
  runs.forEach((run, i) => {
    for (const r of run.rows) {
      const key = rowKey(r.boardType, r.scenario);
      let row = cells.get(key);
      if (!row) cells.set(key, (row = new Array(runs.length)));
      row[i] = r;
    }
  });
  const keys = [...cells.keys()].sort();
  const head = nights
    .map((label, i) => {
      const run = runs[i];
      const title = esc(`${run.runId}${run.imageVersion ? `, image ${run.imageVersion}` : ''}${run.gitRevision ? `, ${run.gitRevision.slice(0, 12)}` : ''}`);
      const text = esc(label.slice(5));
      return `<th scope="col" title="${title}">${run.report ? `<a href="${esc(pageLink(run.report, outDir))}">${text}</a>` : text}</th>`;
    })
    .join('');
  const body = keys.map((key) => {
    const v = verdicts.get(key)!;
    let letters = '';
    const written: string[] = [];
    for (let i = 0; i < runs.length; i++) {
      const c = cells.get(key)![i];
      const l = c ? letter[c.outcome] : 'n';
      if (l) {
        letters += l;
        continue;
      }
      letters += '*';
      const counts = (Object.keys(c!.counts) as Outcome[]).map((o) => `${c!.counts[o]} ${outcomeWords[o]}`).join(', ');
      const title = esc(`${nights[i]} ${c!.board}: ${outcomeWords[c!.outcome]}${c!.failedPhase ? ` in ${c!.failedPhase}` : ''} (${counts})`);
      const g = glyph[c!.outcome];
      // Unquoted classes and no </td> (both valid HTML): a thousand nights of failures stay small.
      written.push(`<td class=${cellClass[c!.outcome]} title="${title}">${c!.reportLink ? `<a href="${esc(pageLink(c!.reportLink, outDir))}">${g}</a>` : g}`);
    }
    return `<tr data-kind="${v.kind}" data-cells="${letters}"><th scope="row">${esc(v.boardType)} · ${esc(v.scenario)}${badge(v)}</th>${written.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="grid"><thead><tr><th scope="col">board type · scenario</th>${head}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}
