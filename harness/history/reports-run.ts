import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureClassOf } from '../errors.ts';
import { UsageError } from '../cli/failure.ts';
import { redact } from '../secrets.ts';
import { FAILURE_CLASS_ANNOTATION, PHASE_ANNOTATION, type ReportedClass } from '../suite/failure-record.ts';
import { BOARD_ID_ANNOTATION, IMAGE_VERSION_ANNOTATION } from './annotations.ts';
import { JunitError, readJunit, type JunitCase } from './junit-reader.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// A run as its reports tell it: the JUnit report (results, and the failure class and phase as
// properties) and the nightly summary (phase durations; class and phase too). Either may be
// missing; fields the summary's writer adds or drops later are passed over.

const CLASSES: readonly string[] = ['lab-fault', 'product-failure', 'unclassified'];

interface SummaryEntry {
  board: string;
  scenario: string;
  status?: string;
  durationMs?: number;
  failureClass?: string;
  failedPhase?: string;
  failure?: string;
  phases?: Record<string, unknown>;
}

function readJson(file: string): { generated?: unknown; results?: unknown } {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { generated?: unknown; results?: unknown };
  } catch (e) {
    throw new UsageError(`${file}: not readable as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected the nightly summary {generated, results: [...]}`);
  }
}

function summaryEntries(file: string): { generated?: Date; entries: SummaryEntry[] } {
  const j = readJson(file);
  if (!Array.isArray(j.results)) throw new UsageError(`${file}: no "results" array; expected the nightly summary {generated, results: [{board, scenario, status, ...}]}`);
  const entries = j.results.filter((r): r is SummaryEntry => typeof r === 'object' && r !== null && typeof r.board === 'string' && typeof r.scenario === 'string');
  const generated = typeof j.generated === 'string' ? new Date(j.generated) : undefined;
  return { generated: generated && !Number.isNaN(generated.getTime()) ? generated : undefined, entries };
}

const statusOf = (s: string | undefined): TestRecord['status'] => (s === 'passed' || s === 'skipped' ? s : s === undefined ? 'passed' : 'failed');

function phasesOf(p: Record<string, unknown> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(p ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

function fromCase(c: JunitCase, s: SummaryEntry | undefined, imageVersion: string | undefined): TestRecord {
  const prop = (name: string) => c.properties.filter((p) => p.name === name && p.value).at(-1)?.value;
  const boardType = c.project ?? s?.board ?? 'unknown';
  const t: TestRecord = { boardId: prop(BOARD_ID_ANNOTATION) ?? boardType, boardType, scenario: c.title, status: c.status, phases: phasesOf(s?.phases), durationMs: Math.round(c.timeS * 1000) || s?.durationMs || 0 };
  const image = prop(IMAGE_VERSION_ANNOTATION) ?? imageVersion;
  if (image) t.imageVersion = image;
  if (c.status === 'failed') {
    const fromProp = prop(FAILURE_CLASS_ANNOTATION);
    const fromSummary = s?.failureClass;
    t.failureClass = (fromProp && CLASSES.includes(fromProp) ? fromProp : fromSummary && CLASSES.includes(fromSummary) ? fromSummary : (failureClassOf(c.failure ?? '') ?? 'unclassified')) as ReportedClass;
    const phase = prop(PHASE_ANNOTATION) ?? s?.failedPhase ?? /^\[([\w-]+)\]/.exec(c.failure ?? '')?.[1];
    if (phase) t.failedPhase = phase;
    // The summary keeps the error's name (as the history reporter does); JUnit's message drops it.
    t.failure = redact(s?.failure ?? ((c.failure ?? '').trim().split('\n')[0].slice(0, 300) || 'failed'));
  }
  return t;
}

function fromSummary(s: SummaryEntry, imageVersion: string | undefined): TestRecord {
  const t: TestRecord = { boardId: s.board, boardType: s.board, scenario: s.scenario, status: statusOf(s.status), phases: phasesOf(s.phases), durationMs: s.durationMs ?? 0 };
  if (imageVersion) t.imageVersion = imageVersion;
  if (t.status === 'failed') {
    t.failureClass = (s.failureClass && CLASSES.includes(s.failureClass) ? s.failureClass : 'unclassified') as ReportedClass;
    if (s.failedPhase) t.failedPhase = s.failedPhase;
    t.failure = redact(s.failure ?? 'failed');
  }
  return t;
}

export interface ReportFiles {
  junit?: string;
  summary?: string;
  /** The run's HTML report (index.html), linked from each test. */
  html?: string;
}

/** The reports a folder holds (reports/: junit.xml, nightly-summary.json, html/index.html). */
export function reportFilesIn(dir: string): ReportFiles {
  const at = (p: string) => (fs.existsSync(path.join(dir, p)) ? path.resolve(dir, p) : undefined);
  const files = { junit: at('junit.xml'), summary: at('nightly-summary.json'), html: at('html/index.html') };
  if (!fs.existsSync(dir)) throw new UsageError(`${dir}: no such folder; expected a reports folder with junit.xml and/or nightly-summary.json`);
  if (!files.junit && !files.summary) throw new UsageError(`${dir}: neither junit.xml nor nightly-summary.json is there; expected the reports of a run`);
  return files;
}

/** The run the reports describe; the unit project's tests (the harness's own) are left out. */
export function runFromReports(files: ReportFiles, o: { imageVersion?: string; gitRevision?: string; runId?: string } = {}): RunRecord {
  let junit: ReturnType<typeof readJunit> | undefined;
  if (files.junit) {
    try {
      junit = readJunit(fs.readFileSync(files.junit, 'utf8'), files.junit);
    } catch (e) {
      if (e instanceof JunitError) throw new UsageError(e.message);
      throw e;
    }
  }
  const summary = files.summary ? summaryEntries(files.summary) : undefined;
  const byKey = new Map((summary?.entries ?? []).map((s) => [`${s.board}\u0000${s.scenario}`, s]));
  const tests: TestRecord[] = [];
  for (const c of junit?.cases ?? []) {
    if (c.project === 'unit') continue;
    const key = `${c.project}\u0000${c.title}`;
    tests.push(fromCase(c, byKey.get(key), o.imageVersion));
    byKey.delete(key);
  }
  if (!junit) for (const s of byKey.values()) tests.push(fromSummary(s, o.imageVersion));
  if (files.html) {
    const base = pathToFileURL(files.html).href;
    for (const t of tests) t.reportLink = `${base}#?q=${encodeURIComponent(t.scenario)}`;
  }
  const startedAt = junit?.startedAt ?? summary?.generated ?? fs.statSync((files.junit ?? files.summary)!).mtime;
  const run: RunRecord = { runId: o.runId ?? `reports ${startedAt.toISOString()}`, startedAt, tests };
  if (o.gitRevision) run.gitRevision = o.gitRevision;
  const images = new Set(tests.map((t) => t.imageVersion));
  if (o.imageVersion) run.imageVersion = o.imageVersion;
  else if (images.size === 1 && [...images][0]) run.imageVersion = [...images][0];
  return run;
}
