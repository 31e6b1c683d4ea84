import { test, expect } from '@playwright/test';
import { boardHealth } from './board-health.ts';
import { phaseTrends } from './phase-trend.ts';
import type { RunRecord } from './run-record.ts';
import { rowKey, scenarioVerdicts } from './scenario-verdicts.ts';
import { seededHistory, STORY } from './testing-fixtures/seeded-history.ts';

// What the history says, on 32 seeded nights: a regression from night 29 (image 1.5.0), a flaky
// scenario, a sick board, installs 25 % slower from night 15 (image 1.4.0); each told apart.

const runs = seededHistory({ nights: 32, lastNight: new Date('2026-11-26T01:00:00Z'), regressionFrom: 29, slowerFrom: 15 });

test('the regression, the flaky scenario and the stable ones are told apart', () => {
  const v = scenarioVerdicts(runs);
  const regression = v.get(rowKey(STORY.regression.boardType, STORY.regression.scenario))!;
  expect(regression).toMatchObject({ kind: 'regression', since: runs[29], firstFailure: runs[29], lastFailedPhase: 'install', productFailures: 6 });
  const flaky = v.get(rowKey(STORY.flaky.boardType, STORY.flaky.scenario))!;
  expect(flaky.kind).toBe('flaky');
  expect(['1.3.0', '1.4.0', '1.5.0']).toContain(flaky.flakyImage);
  const others = [...v.values()].filter((x) => x !== regression && x !== flaky);
  expect(others.map((x) => x.kind)).toEqual(others.map(() => 'stable'));
  // The sick board's lab faults are not the scenarios' failures.
  expect(v.get(rowKey('sama5d2', 'full update'))!.labFaults).toBeGreaterThan(0);
});

test('a scenario that failed and then passed again is fixed; without image versions, flaky needs a pass and a failure in one run', () => {
  const strip = (rs: RunRecord[]) => rs.map((r) => ({ ...r, imageVersion: undefined, tests: r.tests.map((t) => ({ ...t, imageVersion: undefined })) }));
  const failedThenFixed = seededHistory({ nights: 12, lastNight: new Date('2026-11-26T01:00:00Z'), regressionFrom: 5 });
  for (const later of failedThenFixed.slice(9)) {
    for (const t of later.tests) if (t.scenario === STORY.regression.scenario && t.boardType === STORY.regression.boardType) Object.assign(t, { status: 'passed', failureClass: undefined, imageVersion: '1.5.1' });
  }
  const v = scenarioVerdicts(failedThenFixed);
  expect(v.get(rowKey(STORY.regression.boardType, STORY.regression.scenario))).toMatchObject({ kind: 'fixed', firstFailure: failedThenFixed[5] });
  // Without versions, the same night's pass and failure on two boards still make it flaky; failures on other nights do not.
  const noVersions = strip(runs);
  const sameNight = noVersions.find((r) => {
    const rs = r.tests.filter((t) => t.scenario === STORY.flaky.scenario && t.boardType === STORY.flaky.boardType && t.status !== 'skipped');
    return rs.some((t) => t.status === 'passed') && rs.some((t) => t.failureClass === 'product-failure');
  });
  expect(sameNight).toBeDefined();
  expect(scenarioVerdicts(noVersions).get(rowKey(STORY.flaky.boardType, STORY.flaky.scenario))!.flakyImage).toMatch(/^run night-/);
  expect(scenarioVerdicts(noVersions).get(rowKey(STORY.regression.boardType, STORY.regression.scenario))!.kind).toBe('regression');
});

test('only the board with lab faults on most of its last nights is sick', () => {
  const health = boardHealth(runs);
  expect(health.filter((b) => b.sick).map((b) => b.boardId)).toEqual([STORY.sickBoard]);
  expect(health[0]).toMatchObject({ boardId: STORY.sickBoard, recentNights: 10 });
  expect(health[0].recentLabFaultNights).toBeGreaterThanOrEqual(7);
  for (const b of health.slice(1)) expect(b.recentLabFaultNights).toBeLessThan(3);
});

test('install got 25 % slower with image 1.4.0 on night 15, on each board type, and nothing else did', () => {
  const series = phaseTrends(runs);
  expect(series.map((s) => `${s.boardType} ${s.phase}`)).toEqual(['bbgw download', 'bbgw verify', 'bbgw handoff', 'bbgw install', 'bbgw reboot', 'sama5d2 download', 'sama5d2 verify', 'sama5d2 handoff', 'sama5d2 install', 'sama5d2 reboot']);
  const slow = series.filter((s) => s.slowdowns.length);
  expect(slow.map((s) => `${s.boardType} ${s.phase}`)).toEqual(['bbgw install', 'sama5d2 install']);
  for (const s of slow) {
    expect(s.slowdowns).toHaveLength(1);
    expect(s.slowdowns[0]).toMatchObject({ run: 15, image: '1.4.0' });
    expect(s.slowdowns[0].increase).toBeGreaterThan(0.18);
    expect(s.slowdowns[0].increase).toBeLessThan(0.33);
    expect(s.points).toHaveLength(32);
    for (const p of s.points) expect(p.p90Ms).toBeGreaterThanOrEqual(p.medianMs);
  }
});
