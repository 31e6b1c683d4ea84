import { test } from '../harness/fixtures.ts';
import { noteState, publish, update, expectUpdated, push, expectRefusal, expectUnchanged } from '../harness/suite/ota-flow.ts';

// Scenario 3: an image whose versionNumber is not newer than the running one is refused
// (hubby's LocalOtaAllowed) and nothing changes. The service never hands out an older
// versionNumber, so the board first runs an image, which is then pushed again.

test('not newer: pushing the running image again is refused, nothing changes', async ({ board, lab }) => {
  const start = await noteState(board);
  const image = await publish(board, lab, 'rootfs', 'not newer');
  await update(board, lab, image);
  const before = await expectUpdated(board, start, image);
  await push(board, lab, image);
  await expectRefusal(board, 'ota-refused', board.profile.timeouts.download);
  await expectUnchanged(board, before);
});
