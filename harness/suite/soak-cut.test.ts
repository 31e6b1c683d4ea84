import { test, expect } from '@playwright/test';
import { judgeCut } from './soak-cut.ts';

const before = { slot: 'A' as const, version: '7' };

test('back as it was before the switch was logged: old; on the other slot with the new version: new', () => {
  expect(judgeCut({ before, after: before, newVersion: '8', switchLogged: false })).toEqual({ outcome: 'old' });
  expect(judgeCut({ before, after: { slot: 'B', version: '8' }, newVersion: '8', switchLogged: true })).toEqual({ outcome: 'new' });
  // The line follows the write: a cut between the two comes back new without the line.
  expect(judgeCut({ before, after: { slot: 'B', version: '8' }, newVersion: '8', switchLogged: false })).toEqual({ outcome: 'new' });
});

test('back on the old slot after the switch was logged: failed, the reported switch did not last', () => {
  const j = judgeCut({ before, after: before, newVersion: '8', switchLogged: true });
  expect(j.outcome).toBe('failed');
  expect(j.problem).toBe('the board logged the bootloader switch to slot B before the cut, yet came back on slot A running 7: the switch it reported did not last');
});

test('any other state is a failure naming what came back, the old and the new', () => {
  for (const after of [{ slot: 'B' as const, version: '7' }, { slot: 'A' as const, version: '8' }, { slot: 'B' as const, version: '9' }]) {
    const j = judgeCut({ before, after, newVersion: '8', switchLogged: true });
    expect(j.outcome, `${after.slot} ${after.version}`).toBe('failed');
    expect(j.problem).toBe(`the board came back on slot ${after.slot} running ${after.version}: neither the old (A, 7) nor the new (B, 8)`);
  }
});
