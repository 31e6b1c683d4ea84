import { test, requires } from '../harness/fixtures.ts';
import { noteState, publish, push, followToSysupgrade, expectUnchanged, inPhase, awaitEvent } from '../harness/suite/ota-flow.ts';

// Scenario 5 (boards with rollback): an image that installs but does not boot (a kernel of random
// bytes; a root without /sbin/init) must be rolled back by the bootloader's bootcount to the old
// slot, which then runs as before. The report says which image failed to boot.

const unbootable = [
  { variant: 'rootfs-random-kernel', what: 'a kernel of random bytes' },
  { variant: 'rootfs-no-init', what: 'a root filesystem without /sbin/init' },
] as const;

for (const u of unbootable) {
  test(`an image with ${u.what} is rolled back to the old slot`, async ({ board, lab }) => {
    requires(board, 'rollback');
    test.skip(!lab.canBuild(u.variant), `the lab's image build cannot make ${u.variant} (name it in HIL_OTA_VARIANTS or the inventory's lab.${board.profile.name}.variants)`);
    const before = await noteState(board, { sentinel: true });
    const image = await publish(board, lab, u.variant, `rollback: ${u.what}`);
    await push(board, lab, image);
    await followToSysupgrade(board, image);
    const t = board.profile.timeouts;
    await inPhase(board, 'install', t.install, (d) => awaitEvent(board.events, 'reboot', d));
    // Each failed boot costs one reboot budget; the bootloader then says it rolls back, and the
    // old slot boots (one more).
    await inPhase(board, 'rollback', 5 * t.reboot, async (d) => {
      await awaitEvent(board.events, 'bootloader-rollback', d);
      await board.waitForShell(d);
    });
    await expectUnchanged(board, before);
  });
}
