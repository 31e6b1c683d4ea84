import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OtaEventLog } from '../logs/event-log.ts';
import { WaitTimeoutError } from '../errors.ts';
import { download } from './ota-flow.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const offered = 'hubby[2014]: BentoProduct::LocalOtaAllowed(5, 7112): current version 0';

test('the waits of a phase share its budget: the second gets what the first left, and the error names the phase', async () => {
  const events = new OtaEventLog('sama5d2 console');
  const t0 = Date.now();
  // The offer comes after most of the 1.5 s download budget; the download never ends.
  const feed = setTimeout(() => events.feed(offered), 1_100);
  const err = await download(events, '7112', 1_500).catch((e: unknown) => e);
  clearTimeout(feed);
  const took = Date.now() - t0;
  expect(err, 'the download phase fails on a timeout').toBeInstanceOf(WaitTimeoutError);
  expect((err as WaitTimeoutError).phase, 'the phase named by the error').toBe('download');
  expect((err as WaitTimeoutError).message, 'the message names the phase and what was awaited').toMatch(/^\[download\] timed out .* waiting for OTA event download-done/);
  // A wait with the whole budget again would end at 1.1 + 1.5 s.
  expect(took, 'time until the phase failed (ms)').toBeLessThan(2_100);
  expect(took, 'time until the phase failed (ms)').toBeGreaterThanOrEqual(1_450);
});

// A real Playwright run of tests on a "slow board" (an event log that never shows the awaited
// line), with the suite's fixture base and the nightly summary reporter: each failure ends with the
// phase that overran, never with Playwright's own test timeout, and its class and phase reach the
// annotations and the nightly summary as data.
const innerSpec = `
import { test } from '${root}/harness/suite/hil-test.ts';
import { download, phase } from '${root}/harness/suite/ota-flow.ts';
import { OtaEventLog } from '${root}/harness/logs/event-log.ts';

test('nothing arrives', async () => {
  test.setTimeout(1_000); // less than the phase's budget: the phase makes room for itself
  await download(new OtaEventLog('virtual console'), '7112', 2_000);
});

test('the wrong version is offered', async () => {
  const events = new OtaEventLog('virtual console');
  events.feed('${offered}');
  await download(events, '9999', 2_000);
});

test('a step that ignores the deadline', async () => {
  test.setTimeout(1_000);
  await phase('verify', 500, () => new Promise(() => undefined));
});

test('a bug outside any phase', async () => {
  (undefined as unknown as { x: number }).x;
});
`;

test('a budget overrun ends with its phase and class, not the test timeout; the class reaches the report as data', async ({}, testInfo) => {
  test.setTimeout(90_000);
  // Inside the project: a TypeScript reporter loads in the inner run only from a folder that is
  // (a run elsewhere fails to load the harness's modules in its workers).
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  const work = fs.mkdtempSync(path.join(root, '.cache', 'nested-run-'));
  try {
    await checkInnerRun(work);
  } finally {
    await testInfo.attach('inner run output', { path: path.join(work, 'output.txt'), contentType: 'text/plain' }).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
});

async function checkInnerRun(work: string): Promise<void> {
  fs.writeFileSync(path.join(work, 'slow-board.spec.ts'), innerSpec);
  fs.writeFileSync(
    path.join(work, 'playwright.config.ts'),
    `export default { testDir: '.', outputDir: 'out', workers: 1, projects: [{ name: 'virtual' }], reporter: [['list'], ['json', { outputFile: 'report.json' }], ['${root}/harness/report/nightly-summary-reporter.ts', { outputDir: 'summary' }]] };\n`,
  );
  // The inner run fails (its tests do): its outcome is read from its reports, its output from a file.
  await new Promise<void>((resolve) => {
    const out = fs.openSync(path.join(work, 'output.txt'), 'w');
    const child = spawn(path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', path.join(work, 'playwright.config.ts')], { cwd: work, env: { ...process.env, CI: '' }, stdio: ['ignore', out, out] });
    child.on('exit', () => resolve());
  });
  const report = JSON.parse(fs.readFileSync(path.join(work, 'report.json'), 'utf8')) as {
    suites: { specs: { title: string; tests: { results: { status: string; errors: { message: string }[]; annotations: { type: string; description?: string }[] }[] }[] }[] }[];
  };
  const result = (title: string) => report.suites[0].specs.find((s) => s.title === title)!.tests[0].results[0];
  const annotation = (title: string, type: string) => result(title).annotations.find((a) => a.type === type)?.description;

  for (const title of ['nothing arrives', 'the wrong version is offered', 'a step that ignores the deadline']) {
    expect(result(title).status, `${title}: status`).toBe('failed');
    expect(result(title).errors.map((e) => e.message).join('\n'), `${title}: not Playwright's timeout`).not.toContain('Test timeout of');
  }
  expect(result('nothing arrives').errors[0].message, 'the overrun names its phase').toContain('[download] timed out');
  expect(annotation('nothing arrives', 'failure-class'), 'no OTA event at all: the lab').toBe('lab-fault');
  expect(annotation('nothing arrives', 'phase'), 'phase annotation').toBe('download');
  expect(annotation('the wrong version is offered', 'failure-class'), 'a failed expect in a phase: the product').toBe('product-failure');
  expect(annotation('the wrong version is offered', 'phase'), 'phase annotation').toBe('download');
  expect(result('a step that ignores the deadline').errors[0].message, 'a phase ended from outside').toContain('[verify] timed out after 0.5 s waiting for the verify phase to end');
  expect(annotation('a step that ignores the deadline', 'phase'), 'phase annotation').toBe('verify');
  expect(annotation('a bug outside any phase', 'failure-class'), 'an error the harness did not raise').toBe('unclassified');

  const summary = JSON.parse(fs.readFileSync(path.join(work, 'summary', 'nightly-summary.json'), 'utf8')) as { results: { scenario: string; failureClass?: string; failedPhase?: string }[] };
  const row = (title: string) => summary.results.find((r) => r.scenario.endsWith(title));
  expect(row('nothing arrives'), 'nightly summary row').toMatchObject({ failureClass: 'lab-fault', failedPhase: 'download' });
  expect(row('the wrong version is offered'), 'nightly summary row').toMatchObject({ failureClass: 'product-failure', failedPhase: 'download' });
  expect(row('a bug outside any phase')?.failureClass, 'nightly summary row').toBe('unclassified');
}
