import { boardHealth, healthWords } from './board-health.ts';
import { nightOf } from './night-labels.ts';
import { outcomeOf, outcomeWords, type Outcome, type RunRecord, type TestRecord } from './run-record.ts';
import { rowKey, scenarioVerdicts } from './scenario-verdicts.ts';

// The release gate: exit 0 when every scenario that ran passed on every board type; 1 on any
// product failure (or a failure no one classified: it cannot be ruled out); 4 when the only
// failures are lab faults and some scenario has not passed on some board type (re-run on other
// boards: the release is not judged yet). A lab fault on one board of a type where another board
// passed the scenario leaves nothing unjudged. One line per failure: class, board, scenario,
// phase; with the history, whether it is new, a known regression or known flaky, and for a lab
// fault whether the board is sick.

export const GATE_EXIT = { pass: 0, productFailure: 1, labFaultsOnly: 4 } as const;

export interface GateResult {
  exitCode: number;
  lines: string[];
}

function productLabel(t: TestRecord, run: RunRecord, all: readonly RunRecord[], verdicts: ReturnType<typeof scenarioVerdicts>): string {
  const v = verdicts.get(rowKey(t.boardType, t.scenario));
  const before = all.length - 1;
  if (v?.kind === 'flaky') return `known flaky: passed and failed on ${v.flakyImage!.startsWith('run ') ? 'the same run' : `image ${v.flakyImage}`} (${v.productFailures} failures in ${v.runs} runs)`;
  if (v?.kind === 'regression' && v.since && v.since !== run) {
    const runs = all.length - all.indexOf(v.since);
    return `known regression: fails since ${nightOf(v.since)}${v.since.imageVersion ? ` (image ${v.since.imageVersion})` : ''}, ${runs} runs`;
  }
  if (v?.firstFailure && v.firstFailure !== run) return `new: it passed since its earlier failures (the first on ${nightOf(v.firstFailure)})`;
  return `new: no product failure in the ${before} runs before`;
}

function labLabel(t: TestRecord, health: ReturnType<typeof boardHealth>): string {
  const b = health.find((h) => h.boardId === t.boardId);
  if (!b) return '';
  return b.sick ? `sick board: ${healthWords(b)}` : `board otherwise healthy: ${healthWords(b)}`;
}

/** Judges `run`; with `history` (earlier runs, oldest first) each failure is told new, known flaky, or a known regression. */
export function judgeRun(run: RunRecord, history?: readonly RunRecord[]): GateResult {
  const all = history ? [...history, run] : undefined;
  const verdicts = all && scenarioVerdicts(all);
  const health = all && boardHealth(all);
  const count = (o: Outcome) => run.tests.filter((t) => outcomeOf(t) === o).length;
  const failed = run.tests.filter((t) => t.status === 'failed');
  // Product-side first: they decide the verdict.
  const order: Outcome[] = ['product-failure', 'unclassified', 'lab-fault'];
  failed.sort((a, b) => order.indexOf(outcomeOf(a)) - order.indexOf(outcomeOf(b)));
  const lines = failed.map((t) => {
    const o = outcomeOf(t);
    const label = all ? (o === 'lab-fault' ? labLabel(t, health!) : productLabel(t, run, all, verdicts!)) : '';
    const cls = o === 'unclassified' ? 'unclassified failure (counted as a product failure)' : outcomeWords[o];
    return `${cls}: board ${t.boardId} (${t.boardType}), scenario "${t.scenario}", phase ${t.failedPhase ?? 'unknown'}${label ? ` — ${label}` : ''}`;
  });
  const product = count('product-failure') + count('unclassified');
  const lab = count('lab-fault');
  const passedRows = new Set(run.tests.filter((t) => t.status === 'passed').map((t) => rowKey(t.boardType, t.scenario)));
  const unjudged = new Set(run.tests.filter((t) => outcomeOf(t) === 'lab-fault' && !passedRows.has(rowKey(t.boardType, t.scenario))).map((t) => rowKey(t.boardType, t.scenario)));
  const tally = `${run.tests.length} tests: ${count('passed')} passed, ${product} product failures${count('unclassified') ? ` (${count('unclassified')} unclassified)` : ''}, ${lab} lab faults, ${count('skipped')} skipped`;
  const exitCode = product ? GATE_EXIT.productFailure : unjudged.size ? GATE_EXIT.labFaultsOnly : GATE_EXIT.pass;
  const verdict =
    exitCode === GATE_EXIT.productFailure
      ? 'the release must not ship'
      : exitCode === GATE_EXIT.labFaultsOnly
        ? `only lab faults, and ${unjudged.size} scenario${unjudged.size > 1 ? 's' : ''} passed on no board of ${unjudged.size > 1 ? 'their' : 'its'} type: re-run on other boards; the release is not judged yet`
        : `every scenario passed on every board type${lab ? ' (the lab faults were on boards whose type passed the scenario on another board)' : ''}`;
  lines.push(`gate: ${tally}; ${verdict} (exit ${exitCode})`);
  return { exitCode, lines };
}
