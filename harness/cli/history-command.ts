import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { judgeRun } from '../history/gate.ts';
import { openHistoryStore, type HistoryStore } from '../history/history-store.ts';
import { reportFilesIn, runFromReports } from '../history/reports-run.ts';
import { trendPageOf } from '../history/trend-page.ts';
import { UsageError } from './failure.ts';

// `hil history import`, `hil report trend`, `hil gate`: the run history in the rack's store
// (HIL_LEASE_STORE, harness/history/history-store.ts), the trend page made from it, and the
// release gate a CI job calls after the suite (docs/history.md).

const DAY = 24 * 3600 * 1000;

/** --since: 30d, 12h, 2w, a date (2026-11-01), or "all". */
export function parseSince(v: string, now = new Date()): Date | undefined {
  if (v === 'all') return undefined;
  const m = /^(\d+)([hdw])$/.exec(v);
  if (m) return new Date(now.getTime() - Number(m[1]) * { h: 3600 * 1000, d: DAY, w: 7 * DAY }[m[2] as 'h' | 'd' | 'w']);
  const d = /^\d{4}-\d\d-\d\d(T[\d:.]+Z?)?$/.test(v) ? new Date(v) : undefined;
  if (d && !Number.isNaN(d.getTime())) return d;
  throw new InvalidArgumentError('expected a span back from now (30d, 12h, 2w), a date (2026-11-01), or "all".');
}

function sinceOption(v: string): string {
  parseSince(v);
  return v;
}

async function withStore<T>(root: string, f: (store: HistoryStore) => Promise<T>): Promise<T> {
  const store = await openHistoryStore(process.env.HIL_LEASE_STORE, root);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

async function importReports(root: string, dir: string, o: { imageVersion?: string; runId?: string }): Promise<void> {
  const run = runFromReports(reportFilesIn(dir), o);
  if (!run.tests.length) throw new UsageError(`${dir}: the reports hold no board test (the unit project's are left out)`);
  const where = await withStore(root, async (store) => {
    await store.append(run);
    return store.description;
  });
  process.stdout.write(`imported run "${run.runId}" (started ${run.startedAt.toISOString()}, ${run.tests.length} tests${run.imageVersion ? `, image ${run.imageVersion}` : ''}) into ${where}\n`);
}

async function trend(root: string, o: { since: string; out: string }): Promise<void> {
  const since = parseSince(o.since);
  const t0 = performance.now();
  const runs = await withStore(root, (store) => store.digests({ since }));
  const outDir = path.resolve(o.out);
  fs.mkdirSync(outDir, { recursive: true });
  const html = trendPageOf(runs, { outDir, generated: new Date(), window: since ? `since ${since.toISOString().slice(0, 10)}` : 'all runs' });
  const file = path.join(outDir, 'index.html');
  fs.writeFileSync(file, html);
  process.stdout.write(`${file}: ${runs.length} runs, ${runs.reduce((n, r) => n + r.tests, 0)} tests, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
}

async function gate(root: string, o: { junit: string; summary?: string; history?: boolean; imageVersion?: string }): Promise<void> {
  if (!fs.existsSync(o.junit)) throw new UsageError(`--junit ${o.junit}: no such file; expected the run's JUnit report (playwright.config.ts writes reports/junit.xml)`);
  const beside = path.join(path.dirname(o.junit), 'nightly-summary.json');
  const run = runFromReports({ junit: o.junit, summary: o.summary ?? (fs.existsSync(beside) ? beside : undefined) }, { imageVersion: o.imageVersion ?? (process.env.HIL_IMAGE_VERSION || undefined) });
  if (!run.tests.some((t) => t.status !== 'skipped')) throw new UsageError(`${o.junit}: no board test ran (the unit project's are left out): nothing to judge`);
  let history;
  if (o.history) {
    // Runs before this one: the history reporter has recorded this run already, at about the time its JUnit report began.
    const before = run.startedAt.getTime() - 60_000;
    history = (await withStore(root, (store) => store.runs())).filter((r) => r.startedAt.getTime() < before);
  }
  const { exitCode, lines } = judgeRun(run, history);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = exitCode;
}

/** Adds `hil history import`, `hil report trend` and `hil gate`; `projectRoot` is where .cache/rack.sqlite is. */
export function registerHistoryCommands(program: Command, projectRoot: () => string = () => process.cwd()): void {
  const history = program.command('history').description("the run history in the rack's store (HIL_LEASE_STORE); each run of the suite adds itself");
  history
    .command('import')
    .description("add a run from its reports (junit.xml, nightly-summary.json): a lab's backfill; importing the same reports again replaces them")
    .argument('<dir>', 'reports folder (reports/)')
    .option('--image-version <v>', 'the image the run tested (else the tests\' image-version property)')
    .option('--run-id <id>', 'the run\'s id in the history (default: "reports <start time>")')
    .action((dir: string, o: { imageVersion?: string; runId?: string }) => importReports(projectRoot(), dir, o));
  const report = program.commands.find((c) => c.name() === 'report') ?? program.command('report').description('pages made from the reports');
  report
    .command('trend')
    .description('write the trend page (nights × scenarios, flaky scenarios, sick boards, phase durations): one HTML file that works from file://')
    .option('--since <span>', 'runs since: 30d, 12h, 2w, a date, or all', sinceOption, '30d')
    .option('--out <dir>', 'folder to write index.html to', 'reports/trend')
    .action((o: { since: string; out: string }) => trend(projectRoot(), o));
  program
    .command('gate')
    .description('judge a run for release: exit 0 all passed, 1 a product failure (must not ship), 4 only lab faults (re-run; not judged)')
    .option('--junit <file>', "the run's JUnit report", 'reports/junit.xml')
    .option('--summary <file>', 'its nightly summary (default: nightly-summary.json beside the JUnit report, when there)')
    .option('--history', 'say for each failure whether it is new, a known regression or known flaky, and whether a lab fault\'s board is sick')
    .option('--image-version <v>', 'the image the run tested (default HIL_IMAGE_VERSION)')
    .action((o: { junit: string; summary?: string; history?: boolean; imageVersion?: string }) => gate(projectRoot(), o));
}
