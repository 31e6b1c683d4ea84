import { test, expect } from '../harness/fixtures.ts';
import { noteState, update, expectUpdated } from '../harness/suite/ota-flow.ts';

// Scenario 6: two updates in a row bring the board back to its first slot (A→B→A), each with
// its own versionNumber, the data intact throughout.

test('two updates in a row: A→B→A', async ({ board, lab }) => {
  const start = await noteState(board, { sentinel: true });
  const first = await lab.publish('rootfs', 'first of two updates');
  await update(board, lab, first);
  const middle = await expectUpdated(board, start, first);
  const second = await lab.publish('rootfs', 'second of two updates');
  await update(board, lab, second);
  const end = await expectUpdated(board, middle, second);
  expect(end.slot).toBe(start.slot);
});
