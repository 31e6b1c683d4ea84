import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../process/free-port.ts';
import { openHistoryStore } from '../history/history-store.ts';
import { nestedRun, projectRoot, revisionOf, type NestedRun } from '../history/testing-fixtures/nested-run.ts';
import { seededHistory, STORY } from '../history/testing-fixtures/seeded-history.ts';
import { pageLink } from '../history/trend-grid.ts';

// `hil history import`, `hil report trend` and `hil gate`, each as its own process, on a store
// holding 31 seeded nights (a flaky scenario, a board that got sick) and tonight's run: a real
// nested Playwright run whose history reporter appends it, with a new regression, the flaky
// scenario failing again and a lab fault on the sick board.

const CLI = path.join(projectRoot, 'harness/history/testing-fixtures/history-cli.ts');
const DAY = 24 * 3600 * 1000;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function hil(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: projectRoot, env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let store: string;
let env: NodeJS.ProcessEnv;
let tonight: NestedRun;
const seeded = seededHistory({ nights: 31, lastNight: new Date(Date.now() - DAY), slowerFrom: 15 });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-history-cli-'));
  store = path.join(dir, 'rack.sqlite');
  env = { ...process.env, HIL_LEASE_STORE: store, HIL_IMAGE_VERSION: '1.5.0' };
  const s = await openHistoryStore(store, projectRoot);
  for (const r of seeded) await s.append(r);
  await s.close();
  tonight = await nestedRun(path.join(dir, 'tonight'), { mode: 'tonight', env, html: true });
});

test.afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a run of the suite appends itself to the history: boards, classes, phases, durations, image, revision, report links', async () => {
  expect(tonight.status, tonight.stdout + tonight.stderr).toBe(1);
  expect(tonight.stderr).not.toContain('was not recorded');
  const s = await openHistoryStore(store, projectRoot);
  const runs = await s.runs();
  await s.close();
  expect(runs).toHaveLength(32);
  const run = runs.at(-1)!;
  expect(run).toMatchObject({ imageVersion: '1.5.0', gitRevision: revisionOf(tonight.dir) });
  const row = (type: string, scenario: string) => run.tests.find((t) => t.boardType === type && t.scenario === scenario)!;
  expect(run.tests).toHaveLength(10);
  expect(row('sama5d2', 'full update')).toMatchObject({ boardId: 'sama5d2-3', status: 'failed', failureClass: 'lab-fault', failedPhase: 'boot', failure: 'LabFault: sama5d2-3 did not answer on SSH' });
  expect(row('bbgw', 'two updates')).toMatchObject({ boardId: 'bbgw-1', status: 'failed', failureClass: 'product-failure', failedPhase: 'install' });
  expect(row('sama5d2', 'power cut')).toMatchObject({ status: 'skipped' });
  expect(row('bbgw', 'not newer')).toMatchObject({ boardId: 'bbgw-1', status: 'passed', imageVersion: '1.5.0', phases: { download: 18000, verify: 24000, handoff: 400, install: 75000, reboot: 57000 } });
  const link = row('bbgw', 'two updates').reportLink!;
  expect(link).toMatch(/^file:\/\/.*\/tonight\/reports\/html\/index\.html#\?testId=[0-9a-f-]+$/);
  expect(fs.existsSync(new URL(link.replace(/#.*/, '')))).toBe(true);
});

test('hil gate --history: one line per failure with board, scenario, phase, class, and which is new, known flaky, a sick board; exit 1', async () => {
  const junit = path.join(tonight.reports, 'junit.xml');
  const g = await hil(['gate', '--junit', junit, '--history'], env);
  expect(g.stderr).toBe('');
  expect(g.status).toBe(1);
  const lines = g.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toBe('product failure: board sama5d2-3 (sama5d2), scenario "tampered", phase verify — ' + lines[0].split(' — ')[1]);
  expect(lines[0]).toMatch(/— known flaky: passed and failed on image 1\.[34]\.0 \(\d+ failures in 32 runs\)$/);
  expect(lines[1]).toBe('product failure: board bbgw-1 (bbgw), scenario "two updates", phase install — new: no product failure in the 31 runs before');
  expect(lines[2]).toMatch(/^lab fault: board sama5d2-3 \(sama5d2\), scenario "full update", phase boot — sick board: lab faults on ([3-9]|10) of its last 10 nights$/);
  expect(lines[3]).toBe('gate: 10 tests: 6 passed, 2 product failures, 1 lab faults, 1 skipped; the release must not ship (exit 1)');

  const plain = await hil(['gate', '--junit', junit], env);
  expect(plain.status).toBe(1);
  expect(plain.stdout.split('\n').slice(0, 3)).toEqual([
    'product failure: board sama5d2-3 (sama5d2), scenario "tampered", phase verify',
    'product failure: board bbgw-1 (bbgw), scenario "two updates", phase install',
    'lab fault: board sama5d2-3 (sama5d2), scenario "full update", phase boot',
  ]);
});

test('hil report trend writes one page: the 32 nights, the new regression, the flaky scenario, the sick board, links to tonight\'s report', async () => {
  const out = path.join(dir, 'trend');
  const r = await hil(['report', 'trend', '--since', '60d', '--out', out], env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^${out}/index.html: 32 runs, 785 tests, \\d+ KiB in [\\d.]+ s\\n$`));
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const today = new Date().toISOString().slice(0, 10);
  const findings = html.slice(html.indexOf('<section id="findings">'), html.indexOf('<section id="scenarios">'));
  expect(findings).toContain(`${STORY.regression.boardType} · ${STORY.regression.scenario}: fails since ${today} (image 1.5.0), in install`);
  expect(findings).toMatch(/<span class="badge flaky">flaky<\/span> sama5d2 · tampered: passed and failed on image 1\.[34]\.0/);
  expect(findings).toMatch(/<span class="badge sick">sick board<\/span> sama5d2-3 \(sama5d2\): lab faults on \d+ of its last 10 nights/);
  expect(findings.match(/class="sick"/g)).toHaveLength(1);
  // Three findings rows, plus install slower with image 1.4.0 on both board types.
  expect(findings.match(/<li /g)).toHaveLength(5);
  expect(findings.match(/install: median 2\d % above the nights before on [\d-]+ \(image 1\.4\.0\)/g)).toHaveLength(2);
  const s = await openHistoryStore(store, projectRoot);
  const link = (await s.runs()).at(-1)!.tests.find((t) => t.scenario === STORY.regression.scenario && t.boardType === 'bbgw')!.reportLink!;
  await s.close();
  expect(html).toContain(`<a href="${pageLink(link, out)}">✗</a>`);
  expect(pageLink(link, out)).toMatch(/^\.\.\/tonight\/reports\/html\/index\.html#\?testId=/);
});

test('hil history import backfills a run from its JUnit report and nightly summary; importing it again replaces it', async () => {
  const other = { ...env, HIL_LEASE_STORE: path.join(dir, 'backfill.sqlite') };
  const first = await hil(['history', 'import', tonight.reports, '--image-version', '1.5.0'], other);
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  expect(first.stdout).toMatch(/^imported run "reports [\d-]+T[\d:.]+Z" \(started [\d-]+T[\d:.]+Z, 10 tests, image 1\.5\.0\) into .*backfill\.sqlite\n$/);
  expect((await hil(['history', 'import', tonight.reports, '--image-version', '1.5.0'], other)).status).toBe(0);
  const [imported, recorded] = await Promise.all(
    [other.HIL_LEASE_STORE, store].map(async (spec) => {
      const s = await openHistoryStore(spec, projectRoot);
      const runs = await s.runs();
      await s.close();
      return runs;
    }),
  );
  expect(imported).toHaveLength(1);
  const strip = (t: { reportLink?: string; durationMs: number; failure?: string }) => ({ ...t, reportLink: undefined, durationMs: 0, failure: t.failure?.slice(0, 10) });
  // The same tests as the reporter recorded (links differ: the import links the report, not the test).
  expect(imported[0].tests.map(strip)).toEqual(recorded.at(-1)!.tests.map(strip));
  expect(imported[0].startedAt).toEqual(recorded.at(-1)!.startedAt);
  expect(imported[0].tests[0].reportLink).toMatch(/\/tonight\/reports\/html\/index\.html#\?q=full%20update$/);
});

test('hil gate: exit 4 when the only failures are lab faults, 0 when all passed; an unreachable store never fails the run; HIL_REPORT_URL links without its token', async () => {
  test.setTimeout(120_000);
  const closed = await freePort();
  const unreachable = { ...env, HIL_LEASE_STORE: `postgres://hil:secret-pw@127.0.0.1:${closed}/rack` };
  const lab = await nestedRun(path.join(dir, 'lab-only'), { mode: 'lab-only', env: unreachable });
  expect(lab.status).toBe(1);
  expect(lab.stderr).toMatch(/hil history: this run \(10 tests\) was not recorded in the run history: cannot open the run history in postgres:\/\/\S*@127\.0\.0\.1:\d+\/rack \(HIL_LEASE_STORE\): ECONNREFUSED; its reports are written as always/);
  expect(lab.stderr).not.toContain('secret-pw');
  expect(fs.existsSync(path.join(lab.reports, 'junit.xml'))).toBe(true);
  const g4 = await hil(['gate', '--junit', path.join(lab.reports, 'junit.xml')], env);
  expect(g4.status).toBe(4);
  expect(g4.stdout).toBe(
    'lab fault: board sama5d2-3 (sama5d2), scenario "full update", phase boot\n' +
      'gate: 10 tests: 8 passed, 0 product failures, 1 lab faults, 1 skipped; only lab faults, and 1 scenario passed on no board of its type: re-run on other boards; the release is not judged yet (exit 4)\n',
  );
  const reportUrl = 'https://ci.example/job/7/artifacts/html/index.html?token=s3cr3t-tok';
  const pass = await nestedRun(path.join(dir, 'all-pass'), { mode: 'all-pass', env: { ...env, HIL_LEASE_STORE: path.join(dir, 'pass.sqlite'), HIL_REPORT_URL: reportUrl } });
  expect(pass.status).toBe(0);
  // The links go where CI publishes the report, without the artefact URL's token.
  const s = await openHistoryStore(path.join(dir, 'pass.sqlite'), projectRoot);
  const links = (await s.runs()).flatMap((r) => r.tests.map((t) => t.reportLink));
  await s.close();
  expect(links).toHaveLength(10);
  for (const l of links) expect(l).toMatch(/^https:\/\/ci\.example\/job\/7\/artifacts\/html\/index\.html\?token=<redacted>#\?testId=[0-9a-f-]+$/);
  const g0 = await hil(['gate', '--junit', path.join(pass.reports, 'junit.xml'), '--history'], { ...env, HIL_LEASE_STORE: path.join(dir, 'pass.sqlite') });
  expect(g0.stdout).toBe('gate: 10 tests: 9 passed, 0 product failures, 0 lab faults, 1 skipped; every scenario passed on every board type (exit 0)\n');
  expect(g0.status).toBe(0);
});

test('bad input is exit 2 with a line naming the file or option and what was expected', async () => {
  const missing = await hil(['gate', '--junit', path.join(dir, 'nope.xml')], env);
  expect([missing.status, missing.stderr]).toEqual([2, `hil: --junit ${path.join(dir, 'nope.xml')}: no such file; expected the run's JUnit report (playwright.config.ts writes reports/junit.xml)\n`]);
  const notJunit = path.join(dir, 'not-junit.xml');
  fs.writeFileSync(notJunit, '<html><body>hello</body></html>');
  const bad = await hil(['gate', '--junit', notJunit], env);
  expect([bad.status, bad.stderr]).toEqual([2, `hil: ${notJunit}: not a JUnit report (expected <testsuites> or <testsuite>)\n`]);
  const since = await hil(['report', 'trend', '--since', 'last tuesday'], env);
  expect(since.status).toBe(2);
  expect(since.stderr).toContain(`option '--since <span>' argument 'last tuesday' is invalid. expected a span back from now (30d, 12h, 2w), a date (2026-11-01), or "all".`);
  const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
  const imp = await hil(['history', 'import', empty], env);
  expect([imp.status, imp.stderr]).toEqual([2, `hil: ${empty}: neither junit.xml nor nightly-summary.json is there; expected the reports of a run\n`]);
  fs.writeFileSync(path.join(empty, 'nightly-summary.json'), '{"generated": "2026-11-27T01:00:00Z"}');
  const noResults = await hil(['history', 'import', empty], env);
  expect([noResults.status, noResults.stderr]).toEqual([2, `hil: ${path.join(empty, 'nightly-summary.json')}: no "results" array; expected the nightly summary {generated, results: [{board, scenario, status, ...}]}\n`]);
});

test('hil report trend on an empty history writes a page that says so', async () => {
  const out = path.join(dir, 'empty-trend');
  const r = await hil(['report', 'trend', '--out', out], { ...env, HIL_LEASE_STORE: path.join(dir, 'empty.sqlite') });
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toMatch(/: 0 runs, 0 tests, /);
  expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('<h1>OTA nights: no runs</h1>');
});
