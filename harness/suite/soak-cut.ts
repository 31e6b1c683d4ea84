import type { Slot } from '../board/board.ts';
import type { CutOutcome } from '../report/soak-svg.ts';

// What one power cut of the soak came to. The board must come back as it was (old) or as the
// update meant it (new), and which one must agree with what it said before the cut: once the
// bootloader switch has been logged the switch is done, so a board that comes back on the old
// slot after that line lost a write it had reported as made.

export interface SlotAndVersion {
  slot: Slot;
  version: string;
}

export interface CutJudgement {
  outcome: CutOutcome;
  /** Why the cut failed, naming both states. */
  problem?: string;
}

export function judgeCut(o: { before: SlotAndVersion; after: SlotAndVersion; newVersion: string; switchLogged: boolean }): CutJudgement {
  const { before, after } = o;
  const other: Slot = before.slot === 'A' ? 'B' : 'A';
  const now = `slot ${after.slot} running ${after.version}`;
  if (after.slot === before.slot && after.version === before.version) {
    if (!o.switchLogged) return { outcome: 'old' };
    return { outcome: 'failed', problem: `the board logged the bootloader switch to slot ${other} before the cut, yet came back on ${now}: the switch it reported did not last` };
  }
  if (after.slot === other && after.version === o.newVersion) return { outcome: 'new' };
  return { outcome: 'failed', problem: `the board came back on ${now}: neither the old (${before.slot}, ${before.version}) nor the new (${other}, ${o.newVersion})` };
}
