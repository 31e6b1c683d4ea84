import { test, expect } from '@playwright/test';
import { GATE_EXIT, judgeRun } from './gate.ts';
import type { RunRecord, TestRecord } from './run-record.ts';

// The gate's verdict per (board type, scenario): a lab fault leaves a scenario unjudged only
// when no other board of that type passed it; an unclassified failure counts as a product one.

const result = (boardId: string, scenario: string, status: TestRecord['status'], failureClass?: TestRecord['failureClass']): TestRecord => ({
  boardId,
  boardType: boardId.replace(/-\d+$/, ''),
  scenario,
  status,
  failureClass,
  failedPhase: failureClass ? 'boot' : undefined,
  phases: {},
  durationMs: 1,
});
const run = (tests: TestRecord[]): RunRecord => ({ runId: 'r', startedAt: new Date('2026-11-27T01:00:00Z'), tests });

test('a lab fault on one board of a type that passed the scenario on another: exit 0, the fault still listed', () => {
  const r = judgeRun(run([result('sama5d2-1', 'full update', 'passed'), result('sama5d2-2', 'full update', 'failed', 'lab-fault'), result('bbgw-1', 'full update', 'passed')]));
  expect(r.exitCode).toBe(GATE_EXIT.pass);
  expect(r.lines).toEqual([
    'lab fault: board sama5d2-2 (sama5d2), scenario "full update", phase boot',
    'gate: 3 tests: 2 passed, 0 product failures, 1 lab faults, 0 skipped; every scenario passed on every board type (the lab faults were on boards whose type passed the scenario on another board) (exit 0)',
  ]);
});

test('a scenario with only lab faults on its type: exit 4; an unclassified failure anywhere: exit 1', () => {
  const labOnly = run([result('sama5d2-1', 'full update', 'failed', 'lab-fault'), result('sama5d2-2', 'full update', 'failed', 'lab-fault'), result('bbgw-1', 'full update', 'passed')]);
  expect(judgeRun(labOnly).exitCode).toBe(GATE_EXIT.labFaultsOnly);
  const unclassified = run([...labOnly.tests, result('bbgw-1', 'tampered', 'failed', 'unclassified')]);
  const r = judgeRun(unclassified);
  expect(r.exitCode).toBe(GATE_EXIT.productFailure);
  expect(r.lines[0]).toBe('unclassified failure (counted as a product failure): board bbgw-1 (bbgw), scenario "tampered", phase boot');
});
