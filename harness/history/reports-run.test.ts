import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJunit } from './junit-reader.ts';
import { reportFilesIn, runFromReports } from './reports-run.ts';

// Reading reports written by other runners or older versions: what it can use is used, the rest
// passed over; what cannot be read is named with its file.

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by another runner -->
<testsuites>
<testsuite name="suites/ota.spec.ts" timestamp="2026-11-20T01:00:05.000Z" hostname="bbgw" tests="4">
<testcase name="full update &amp; data &lt;kept&gt;" classname="suites/ota.spec.ts" time="170.5"/>
<testcase name="[sama5d2] tampered" classname="suites/ota.spec.ts" time="12">
<failure message="[verify] timed out after 30.0 s waiting for HandleValidateOTA" type="WaitTimeoutError"><![CDATA[  [verify] timed out after 30.0 s
Failure class: lab fault (the board or the lab, not the product)
 literal ]]&gt; inside]]></failure>
</testcase>
<testcase name="[sama5d2] not newer" time="oops"><error message="boom"/></testcase>
<testcase name="[unit] harness test" time="1"/>
<testcase name="[bbgw] power cut"><properties><property name="skip" value="no power-cut capability"/></properties><skipped/></testcase>
</testsuite>
</testsuites>`;

test('a JUnit report of another shape: hostname as project, entities, CDATA, self-closing cases, error and failure', () => {
  const r = readJunit(JUNIT, 'junit.xml');
  expect(r.startedAt).toEqual(new Date('2026-11-20T01:00:05.000Z'));
  expect(r.cases.map((c) => [c.project, c.title, c.status, c.timeS])).toEqual([
    ['bbgw', 'full update & data <kept>', 'passed', 170.5],
    ['sama5d2', 'tampered', 'failed', 12],
    ['sama5d2', 'not newer', 'failed', 0],
    ['unit', 'harness test', 'passed', 1],
    ['bbgw', 'power cut', 'skipped', 0],
  ]);
  expect(r.cases[1].failure).toContain(' literal ]]&gt; inside'); // CDATA is verbatim: Playwright's escape of ]]> stays as written
  expect(() => readJunit('<testsuites><testcase time="1"/></testsuites>', 'x.xml')).toThrow('x.xml: a <testcase> without a name attribute');
});

test('a run from the reports: class from the message when no property says it, phase from its [prefix], unknown summary fields passed over', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-reports-'));
  try {
    fs.writeFileSync(path.join(dir, 'junit.xml'), JUNIT);
    fs.writeFileSync(
      path.join(dir, 'nightly-summary.json'),
      JSON.stringify({ generated: '2026-11-20T02:00:00Z', layout: 7, results: [{ board: 'bbgw', scenario: 'full update & data <kept>', status: 'passed', phases: { download: 18000, install: 'n/a', reboot: null }, newField: {} }, { scenario: 'no board' }, 'junk'] }),
    );
    const run = runFromReports(reportFilesIn(dir), { imageVersion: '1.4.0' });
    expect(run.startedAt).toEqual(new Date('2026-11-20T01:00:05.000Z'));
    expect(run.imageVersion).toBe('1.4.0');
    expect(run.tests.map((t) => [t.boardType, t.scenario, t.status, t.failureClass, t.failedPhase])).toEqual([
      ['bbgw', 'full update & data <kept>', 'passed', undefined, undefined],
      ['sama5d2', 'tampered', 'failed', 'lab-fault', 'verify'],
      ['sama5d2', 'not newer', 'failed', 'unclassified', undefined],
      ['bbgw', 'power cut', 'skipped', undefined, undefined],
    ]);
    expect(run.tests[0].phases).toEqual({ download: 18000 });
    // Only the summary: its results are the run.
    fs.rmSync(path.join(dir, 'junit.xml'));
    const fromSummary = runFromReports(reportFilesIn(dir));
    expect(fromSummary.startedAt).toEqual(new Date('2026-11-20T02:00:00Z'));
    expect(fromSummary.tests.map((t) => [t.boardId, t.scenario, t.status])).toEqual([['bbgw', 'full update & data <kept>', 'passed']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
