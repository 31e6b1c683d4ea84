import { LabFault } from '../errors.ts';
import { runLabCommand } from '../power/shell-command.ts';
import type { RackBoard } from './rack-inventory.ts';

// A board that boots no slot is brought back with its inventory's `recovery` command: an SD mux
// and a flash, SAM-BA over the ROM boot's USB, re-imaging a virtual board's disk. The command
// learns which board from HIL_BOARD (and HIL_BOARD_TYPE, HIL_BOARD_TAGS), so one script serves a
// rack. It runs bounded (its process group is killed past the limit); errors name the board and
// the program, never the command's arguments (a device path is harmless, a token is not). What
// follows (power on, the health check) is the caller's.

/** Flashing a whole image takes minutes; the inventory's `recovery.timeoutMs` says otherwise. */
export const RECOVERY_LIMIT_MS = 10 * 60_000;

export interface Recovered {
  durationMs: number;
  /** The command's last output lines, for the harness log. */
  lastLines: string[];
}

export async function recoverBoard(board: Pick<RackBoard, 'id' | 'type' | 'tags' | 'recovery'>, env: NodeJS.ProcessEnv = {}): Promise<Recovered> {
  if (!board.recovery) throw new LabFault(`${board.id}: boots no slot and has no recovery command in the lab inventory (boards[].recovery)`, { phase: 'recovery' });
  const t0 = Date.now();
  const out = await runLabCommand({
    command: board.recovery.command,
    what: `recovery of ${board.id}`,
    timeoutMs: board.recovery.timeoutMs ?? RECOVERY_LIMIT_MS,
    env: { ...env, HIL_BOARD: board.id, HIL_BOARD_TYPE: board.type, HIL_BOARD_TAGS: board.tags.join(',') },
    phase: 'recovery',
  });
  return { durationMs: Date.now() - t0, lastLines: out.trim().split('\n').filter(Boolean).slice(-10) };
}
