import { test } from '../harness/fixtures.ts';
import type { Board, Slot } from '../harness/board/board.ts';
import { ProductFailure, WaitTimeoutError } from '../harness/errors.ts';
import { waitUntil } from '../harness/wait/wait-until.ts';
import type { Deadline } from '../harness/wait/deadline.ts';
import { noteState, publish, push, followToSysupgrade, expectUnchanged, inPhase, awaitEvent, type BoardState } from '../harness/suite/ota-flow.ts';

// Scenario 5: an image that installs but does not boot (a kernel of random bytes; a root without
// /sbin/init). On a board with rollback, the bootloader's bootcount must roll back to the old slot,
// which then runs as before. On a board without (Afero's BBGW sysupgrade has none), the scenario
// still runs, and shows what such a board does: once the image is installed and the board has
// restarted into the new slot, the test is an expected failure (a fault before that fails it as
// usual), and fails naming the slot that does not boot and what the console showed. The board is
// then brought back by power and re-image: the rack fixture's recovery after a failed test.

const unbootable = [
  { variant: 'rootfs-random-kernel', what: 'a kernel of random bytes' },
  { variant: 'rootfs-no-init', what: 'a root filesystem without /sbin/init' },
] as const;

/** The one variant a board without rollback runs: each leaves it to be re-imaged, and this one fails fastest (in the bootloader). */
const WITHOUT_ROLLBACK = 'rootfs-random-kernel';

/** Boots of the new slot, none reaching a login prompt, that show the bootloader keeps retrying it. */
const RETRIES_SHOWN = 3;

/** Console lines that say why a boot failed: the bootloader's, the kernel's, the initrd's. */
const BOOT_FAILURE = /cannot boot|Bad Linux ARM zImage|Kernel panic - not syncing|No working init|no \/sbin\/init/i;

for (const u of unbootable) {
  test(`an image with ${u.what} is rolled back to the old slot`, async ({ board, lab }) => {
    test.skip(!lab.canBuild(u.variant), `the lab's image build cannot make ${u.variant} (name it in HIL_OTA_VARIANTS or the inventory's lab.${board.profile.name}.variants)`);
    const rollback = board.has('rollback');
    test.skip(!rollback && u.variant !== WITHOUT_ROLLBACK, `${board.profile.name} has no rollback: ${WITHOUT_ROLLBACK} shows it, and each unbootable image leaves the board to be re-imaged`);
    const before = await noteState(board, { sentinel: true });
    const image = await publish(board, lab, u.variant, `rollback: ${u.what}`);
    await push(board, lab, image);
    await followToSysupgrade(board, image);
    if (!rollback) return showNoRollback(board, before);
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

/** The boots and boot failures the console shows from now on. */
function watchBoots(board: Board): { boots: () => number; failure: () => string | undefined; onChange(f: () => void): () => void; stop(): void } {
  let boots = 0;
  let failure: string | undefined;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((f) => f());
  const onEvent = (ev: { kind: string }) => {
    if (ev.kind !== 'bootloader') return;
    boots++;
    changed();
  };
  const onLine = (line: string) => {
    if (!BOOT_FAILURE.test(line)) return;
    failure = line.trim();
    changed();
  };
  board.events.on('event', onEvent);
  const offLines = board.console.onLineReceived(onLine);
  return {
    boots: () => boots,
    failure: () => failure,
    onChange(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    stop() {
      board.events.off('event', onEvent);
      offLines();
    },
  };
}

/** The slot sysupgrade switched to (its line names the partition, when it logs one), else the other slot. */
function switchedTo(board: Board, from: Slot): Slot {
  const to = [...board.events.events].reverse().find((e) => e.kind === 'slot-switched')?.fields.toPartition;
  const active = board.profile.slots.active;
  const named = 'values' in active ? (['A', 'B'] as const).find((s) => active.values[s] === to) : undefined;
  return named ?? (from === 'A' ? 'B' : 'A');
}

async function showNoRollback(board: Board, before: BoardState): Promise<void> {
  const t = board.profile.timeouts;
  const watch = watchBoots(board);
  try {
    await inPhase(board, 'install', t.install, (d) => awaitEvent(board.events, 'reboot', d));
    const slot = switchedTo(board, before.slot);
    await inPhase(board, 'reboot', t.reboot, (d) => awaitEvent(board.events, 'bootloader', d));
    // Installed, and restarted into the new slot: from here on, failing is what this board does.
    test.fail(true, `known product limitation: ${board.profile.name} has no rollback (nothing counts failed boots of the new slot); slot ${slot} does not boot and the board stays there until it is re-imaged`);
    await inPhase(board, 'no rollback', t.reboot, async (d) => {
      const seen = await failedBoots(board, slot, watch, d);
      if (seen !== 'came back') throw new ProductFailure(`no rollback: slot ${slot} (${board.profile.slots[slot]}) does not boot and the board stays there; the console showed ${seen}`, { phase: 'no rollback' });
    });
    // It booted after all: the profile lacks a rollback the board has (or the image booted).
    await inPhase(board, 'reboot', t.boot, (d) => board.loginAndFollow(d, { sinceBoot: true }));
    await expectUnchanged(board, before);
  } finally {
    watch.stop();
  }
}

/** Waits until the console shows the new slot failing for good (or the login prompt: the board came back). */
function failedBoots(board: Board, slot: Slot, watch: ReturnType<typeof watchBoots>, deadline: Deadline): Promise<string> {
  const failure = () => (watch.failure() ? ` (last: "${watch.failure()}")` : '');
  return waitUntil<string>({
    awaited: `${RETRIES_SHOWN} failed boots of slot ${slot}, a kernel panic, or the login prompt`,
    where: `${board.profile.name} console`,
    deadline,
    lastLines: () => board.events.lastLines(),
    watch(resolve) {
      const stopExpect = new AbortController();
      board.console.expect(new RegExp(board.profile.login.loginPrompt, 'm'), { deadline, signal: stopExpect.signal, ignoreDeathLines: true }).then(
        () => resolve('came back'),
        () => undefined,
      );
      const judge = () => {
        if (/Kernel panic/.test(watch.failure() ?? '')) resolve(`a kernel panic: "${watch.failure()}"`);
        else if (watch.boots() >= RETRIES_SHOWN) resolve(`the bootloader retrying slot ${slot}: ${watch.boots()} boots, none reaching a login prompt${failure()}`);
      };
      const off = watch.onChange(judge);
      judge();
      return () => {
        off();
        stopExpect.abort();
      };
    },
  }).catch((e: unknown) => {
    // Silence is what a board stopped at its bootloader's prompt shows.
    if (e instanceof WaitTimeoutError) return `nothing more within ${Math.round(deadline.budgetMs / 1000)} s after ${watch.boots()} boot(s) of slot ${slot}${failure()}`;
    throw e;
  });
}
