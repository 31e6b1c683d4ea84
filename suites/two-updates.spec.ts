import { test, expect } from '../harness/fixtures.ts';
import { noteState, publish, update, expectUpdated } from '../harness/suite/ota-flow.ts';

// Scenario 6: two updates in a row bring the board back to its first slot (A→B→A), each with
// its own versionNumber, the data intact throughout. Each expectUpdated checks one switch to the
// other slot and the data; what is left to check is the versions across the whole run.

/** a < b for versionNumbers (whole numbers, possibly beyond 2^53). */
function older(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) < BigInt(b) : false;
}

test('two updates in a row: A→B→A', async ({ board, lab }) => {
  const start = await noteState(board, { sentinel: true });
  const first = await publish(board, lab, 'rootfs', 'first of two updates');
  await update(board, lab, first);
  const middle = await expectUpdated(board, start, first);
  const second = await publish(board, lab, 'rootfs', 'second of two updates');
  await update(board, lab, second);
  const end = await expectUpdated(board, middle, second);
  await test.step('each update ran a newer versionNumber than the one before', () => {
    const versions = [start.version, middle.version, end.version];
    expect(older(start.version, middle.version) && older(middle.version, end.version), `versionNumbers at the start, after the first and after the second update (${versions.join(' → ')}) increase`).toBe(true);
  });
});
