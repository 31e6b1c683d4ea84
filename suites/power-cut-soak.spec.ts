import { setTimeout as sleep } from 'node:timers/promises';
import { test, requires } from '../harness/fixtures.ts';
import { noteState, publish, push, download, verify, update, expectUpdated, expectSameData, inPhase, type BoardState } from '../harness/suite/ota-flow.ts';
import { ProductFailure } from '../harness/errors.ts';
import { soakSvg, type SoakCut } from '../harness/report/soak-svg.ts';
import { seededRandom, newSeed } from '../harness/suite/seeded-random.ts';
import { judgeCut } from '../harness/suite/soak-cut.ts';
import { bootAfterCut } from '../harness/suite/boot-after-cut.ts';
import type { Board } from '../harness/board/board.ts';
import type { OtaEvent } from '../harness/logs/parse.ts';

// Power-cut soak (boards with power-cut): the power is cut at random instants spread over the
// whole install window, from HandleValidateOTA(0) through the write and the slot switch to the
// first line of the new system, HIL_SOAK_CYCLES times (3 by default, so CI stays short). After
// each cut the board must boot a working slot running the old version or the new one (never
// anything else; old only if the bootloader switch had not been logged before the cut), with its
// data intact, and the next update must succeed. The instants come from
// a printed seed: HIL_SOAK_SEED=<seed> replays a run. HIL_SOAK_CYCLES=0 skips it, with that reason.

const cyclesText = process.env.HIL_SOAK_CYCLES ?? '3';
const cycles = Number(cyclesText);
const seed = process.env.HIL_SOAK_SEED ?? newSeed();
if (!/^\d+$/.test(cyclesText)) throw new Error(`HIL_SOAK_CYCLES: expected a whole number of cycles (0 skips the soak), found "${process.env.HIL_SOAK_CYCLES}"`);
// Skipped before any fixture, so no board is leased or booted for it.
test.skip(cycles === 0, 'HIL_SOAK_CYCLES=0: the power-cut soak is off in this run');

/** The events of one update, from its push on. */
function eventsSince(board: Board, from: number): OtaEvent[] {
  return board.events.events.slice(from);
}

function at(events: OtaEvent[], kind: OtaEvent['kind']): number | undefined {
  return events.find((e) => e.kind === kind)?.seenAt;
}

test(`power-cut soak: cuts at random instants of the install window, the board always comes back old or new and updates again`, async ({ board, lab }, testInfo) => {
  requires(board, 'power-cut');
  testInfo.annotations.push({ type: 'soak-seed', description: seed });
  console.log(`power-cut soak on ${board.profile.name}: ${cycles} cycle${cycles === 1 ? '' : 's'}, seed ${seed} (replay with HIL_SOAK_SEED=${seed})`);
  const random = seededRandom(seed);
  const t = board.profile.timeouts;

  // The window, measured on one uncut update: HandleValidateOTA(0) to the new kernel's first line.
  let state: BoardState = await noteState(board, { sentinel: true });
  const from = board.events.events.length;
  const first = await publish(board, lab, 'rootfs', 'soak: measure the install window');
  await update(board, lab, first);
  state = await expectUpdated(board, state, first);
  const measured = eventsSince(board, from);
  const validatedAt = at(measured, 'validated');
  const newSystemAt = measured.filter((e) => e.kind === 'kernel-boot').at(-1)?.seenAt;
  if (validatedAt === undefined || newSystemAt === undefined) throw new ProductFailure('the uncut update showed no HandleValidateOTA(0) or no boot of the new system: no install window to cut in', { phase: 'install' });
  const windowMs = newSystemAt - validatedAt;
  const windowMarks = (['validated', 'sysupgrade-invoked', 'install-writing', 'slot-switched', 'reboot', 'kernel-boot'] as const)
    .map((kind) => ({ label: kind, atMs: (measured.filter((e) => e.kind === kind).at(-1)?.seenAt ?? NaN) - validatedAt }))
    .filter((m) => Number.isFinite(m.atMs) && m.atMs >= 0);

  const cuts: SoakCut[] = [];
  try {
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const offsetMs = Math.round(random() * windowMs);
      const image = await publish(board, lab, 'rootfs', `soak cycle ${cycle}: cut ${offsetMs} ms into the install`);
      await push(board, lab, image);
      const o = { log: board.log, board: board.profile.name };
      await download(board.events, image.record.versionNumber, t.download, o);
      await verify(board.events, t.validate, o);
      const validatedIndex = board.events.events.map((e) => e.kind).lastIndexOf('validated');
      const validated = board.events.events[validatedIndex]?.seenAt ?? Date.now();
      let now: BoardState;
      // What the board had said of this install when its power went: its last OTA line, and
      // whether that included the bootloader switch.
      let lastSaid: OtaEvent | undefined;
      let switchLogged = false;
      const reached = () => lastSaid?.kind ?? 'validated';
      try {
        await inPhase(board, `cut ${(offsetMs / 1000).toFixed(2)} s into the install`, t.install + t.boot, async (d) => {
          // The cut instant is the experiment itself, not a wait for an event.
          await sleep(Math.max(0, validated + offsetMs - Date.now()));
          const said = board.events.events.slice(validatedIndex);
          lastSaid = said.at(-1);
          switchLogged = said.some((e) => e.kind === 'slot-switched');
          await board.cutPower();
          await bootAfterCut(board, d);
        });
        now = await noteState(board);
      } catch (e) {
        // A board that does not come back is a cut of its own on the picture, not a gap in it.
        cuts.push({ cycle, atMs: offsetMs, outcome: 'failed', note: `cut after "${reached()}", did not come back: ${String((e as Error).message ?? e).split('\n')[0]}` });
        testInfo.annotations.push({ type: 'soak-replay', description: `HIL_SOAK_SEED=${seed} HIL_SOAK_CYCLES=${cycle}` });
        throw e;
      }
      const { outcome, problem } = judgeCut({ before: state, after: now, newVersion: image.record.versionNumber, switchLogged });
      cuts.push({ cycle, atMs: offsetMs, outcome, note: `cut after "${reached()}", back on slot ${now.slot}, version ${now.version}` });
      board.log.info({ board: board.profile.name, cycle, offsetMs, reached: reached(), outcome, slot: now.slot, version: now.version }, 'soak cut');
      if (problem) throw new ProductFailure(`cycle ${cycle}: cut ${offsetMs} ms after HandleValidateOTA(0), after "${reached()}" (the board's last OTA line: "${lastSaid?.line ?? ''}"): ${problem}\nReplay: HIL_SOAK_SEED=${seed} HIL_SOAK_CYCLES=${cycle}`, { phase: 'confirm' });
      expectSameData(state, now);
      const next = await publish(board, lab, 'rootfs', `soak cycle ${cycle}: the update after the cut`);
      await update(board, lab, next);
      state = await expectUpdated(board, now, next);
    }
  } finally {
    const counts = { old: cuts.filter((c) => c.outcome === 'old').length, new: cuts.filter((c) => c.outcome === 'new').length, failed: cuts.filter((c) => c.outcome === 'failed').length };
    console.log(`power-cut soak on ${board.profile.name}, seed ${seed}: ${cuts.length} cuts over a ${(windowMs / 1000).toFixed(1)} s window: ${counts.old} came back old, ${counts.new} came back new, ${counts.failed} failed`);
    await testInfo.attach('soak.svg', { body: soakSvg({ title: `power-cut soak, ${board.profile.name}, seed ${seed}`, windowMarks, cuts }), contentType: 'image/svg+xml' });
    await testInfo.attach('soak.json', { body: JSON.stringify({ seed, cycles, windowMs, windowMarks, counts, cuts }, null, 2), contentType: 'application/json' });
  }
});
