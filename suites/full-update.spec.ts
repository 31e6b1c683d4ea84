import { test } from '../harness/fixtures.ts';
import { noteState, publish, update, expectUpdated } from '../harness/suite/ota-flow.ts';

// Scenario 1: the whole job. Slot, version and user data (with a fresh sentinel) are noted; the
// next image is recorded, uploaded and pushed; every phase shows on the console in order; after
// the reboot the other slot runs the new versionNumber and the data is unchanged.

test('full update: the next image installs into the other slot, data intact', async ({ board, lab }) => {
  const before = await noteState(board, { sentinel: true });
  const image = await publish(board, lab, 'rootfs', 'full update');
  await update(board, lab, image);
  await expectUpdated(board, before, image);
});
