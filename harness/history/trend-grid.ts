import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { esc } from './html-text.ts';
import { outcomeOf, outcomeWords, type Outcome, type RunRecord, type TestRecord } from './run-record.ts';
import { rowKey, type ScenarioVerdict } from './scenario-verdicts.ts';

// The grid of nights × (board type, scenario). A cell shows the worst result of the night's
// boards of that type (product failure, unclassified, lab fault, passed, skipped), as a colour
// and a glyph; a cell with a failure links to that test's report, a night's header to the run's.

const rank: Record<Outcome, number> = { 'product-failure': 5, unclassified: 4, 'lab-fault': 3, passed: 2, skipped: 1 };
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

/** The run's report: its tests' links without the part that picks the test. */
export function runReport(run: RunRecord): string | undefined {
  const link = run.tests.find((t) => t.reportLink)?.reportLink;
  return link?.replace(/#.*$/, '');
}

interface Cell {
  worst: TestRecord;
  outcome: Outcome;
  counts: Partial<Record<Outcome, number>>;
}

const badge = (v: ScenarioVerdict): string => (v.kind === 'flaky' || v.kind === 'regression' ? ` <span class="badge ${v.kind}">${v.kind}</span>` : '');

export function trendGrid(runs: readonly RunRecord[], nights: readonly string[], verdicts: Map<string, ScenarioVerdict>, outDir: string): string {
  const cells = new Map<string, (Cell | undefined)[]>();
  runs.forEach((run, i) => {
    for (const t of run.tests) {
      const key = rowKey(t.boardType, t.scenario);
      let row = cells.get(key);
      if (!row) cells.set(key, (row = new Array(runs.length)));
      const o = outcomeOf(t);
      const c = (row[i] ??= { worst: t, outcome: o, counts: {} });
      c.counts[o] = (c.counts[o] ?? 0) + 1;
      if (rank[o] > rank[c.outcome]) Object.assign(c, { worst: t, outcome: o });
    }
  });
  const keys = [...cells.keys()].sort();
  const head = nights
    .map((label, i) => {
      const report = runReport(runs[i]);
      const title = esc(`${runs[i].runId}${runs[i].imageVersion ? `, image ${runs[i].imageVersion}` : ''}${runs[i].gitRevision ? `, ${runs[i].gitRevision.slice(0, 12)}` : ''}`);
      const text = esc(label.slice(5));
      return `<th scope="col" title="${title}">${report ? `<a href="${esc(pageLink(report, outDir))}">${text}</a>` : text}</th>`;
    })
    .join('');
  const body = keys
    .map((key) => {
      const v = verdicts.get(key)!;
      const tds = cells
        .get(key)!
        .map((c, i) => {
          // Unquoted classes and no </td> (both valid HTML): a thousand nights of cells stay small.
          if (!c) return '<td class=n>';
          if (c.outcome === 'passed' || c.outcome === 'skipped') return `<td class=${cellClass[c.outcome]}>${glyph[c.outcome]}`;
          const t = c.worst;
          const counts = (Object.keys(c.counts) as Outcome[]).map((o) => `${c.counts[o]} ${outcomeWords[o]}`).join(', ');
          const title = esc(`${nights[i]} ${t.boardId}: ${outcomeWords[c.outcome]}${t.failedPhase ? ` in ${t.failedPhase}` : ''} (${counts})`);
          const g = glyph[c.outcome];
          return `<td class=${cellClass[c.outcome]} title="${title}">${t.reportLink ? `<a href="${esc(pageLink(t.reportLink, outDir))}">${g}</a>` : g}`;
        })
        .join('');
      return `<tr data-kind="${v.kind}"><th scope="row">${esc(v.boardType)} · ${esc(v.scenario)}${badge(v)}</th>${tds}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table class="grid"><thead><tr><th scope="col">board type · scenario</th>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}
