import { test, requires } from '../harness/fixtures.ts';
import { noteState, publish, push, followToSysupgrade, update, expectUpdated, expectSameData, inPhase, awaitEvent, type BoardState } from '../harness/suite/ota-flow.ts';
import { bootAfterCut } from '../harness/suite/boot-after-cut.ts';
import type { Board } from '../harness/board/board.ts';
import type { Lab } from '../harness/suite/lab.ts';

// Scenario 4 (boards with power-cut): the power is cut at three instants of the install. Each
// time the board must come back on a working slot with its data intact (the old slot when the
// switch had not happened, the new one when it had), and a fresh update must then succeed.

// Each cut follows an OTA event (docs/log-events.md): a board whose sysupgrade logs otherwise
// gives its own lines in the catalog, not here.
const cutPoints = [
  { name: 'at the sysupgrade call', after: null, newSlot: false },
  { name: 'in the middle of the write', after: 'install-writing', newSlot: false },
  { name: 'just after the bootloader switch', after: 'slot-switched', newSlot: true },
] as const;

async function cutAndRecover(board: Board, lab: Lab, before: BoardState, cut: (typeof cutPoints)[number]): Promise<void> {
  const t = board.profile.timeouts;
  const image = await publish(board, lab, 'rootfs', `power cut ${cut.name}`);
  await push(board, lab, image);
  await followToSysupgrade(board, image);
  const after = cut.after;
  if (after) await inPhase(board, 'install', t.install, (d) => awaitEvent(board.events, after, d));
  await inPhase(board, 'boot after the power cut', t.boot, async (d) => {
    await board.cutPower();
    await bootAfterCut(board, d);
  });
  const now = await noteState(board);
  await inPhase(board, 'confirm', t.confirm, async () => {
    test.expect(now.slot, `slot after a cut ${cut.name}`).toBe(cut.newSlot ? (before.slot === 'A' ? 'B' : 'A') : before.slot);
    test.expect(now.version, `version after a cut ${cut.name}`).toBe(cut.newSlot ? image.record.versionNumber : before.version);
    expectSameData(before, now);
  });
  const fresh = await publish(board, lab, 'rootfs', `fresh update after a cut ${cut.name}`);
  await update(board, lab, fresh);
  await expectUpdated(board, now, fresh);
}

for (const cut of cutPoints) {
  test(`power cut ${cut.name}: the board comes back working, data intact, and updates again`, async ({ board, lab }) => {
    requires(board, 'power-cut');
    const before = await noteState(board, { sentinel: true });
    await cutAndRecover(board, lab, before, cut);
  });
}
