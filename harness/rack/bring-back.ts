import type { Board } from '../board/board.ts';
import { Deadline } from '../wait/deadline.ts';
import { bringToShell } from './attach-strategy.ts';
import { checkBoardHealth, type HealthReport } from './health-check.ts';
import { recoverBoard, RECOVERY_LIMIT_MS, type Recovered } from './recovery.ts';
import type { RackBoard } from './rack-inventory.ts';

// A rack board after a failed test, or one that failed its health check when leased, is brought
// back before anyone gives up on it: the health check; if it fails, the board state machine
// (attach; power-cycle if it does not answer; the inventory's recovery command if it then boots
// no slot); then the health check again. Only a board that fails that too goes out of service.
// A board that is healthy at first is not touched (no needless reboots).

export interface BroughtBack {
  /** The board's health at the end: what decides whether it stays in service. */
  health: HealthReport;
  /** Why the first health check failed; undefined when the board was healthy at once. */
  firstFailure?: string;
  /** The state machine's steps (none when the board was healthy at once). */
  steps: string[];
  /** The recovery command's run, when there was one. */
  recovery?: Recovered;
}

/** The state machine's time: an attach (a login, the follower's start, a command) and two boots; a recovery has its own. */
function strategyBudgetMs(board: Board): number {
  const t = board.profile.timeouts;
  return t.login + t.followerReady + t.command + 2 * t.boot;
}

/** The most bringing a board back may take: two health checks, the state machine, the recovery and the boot after it. */
export function bringBackBudgetMs(board: Board, rack: Pick<RackBoard, 'recovery'>): number {
  const t = board.profile.timeouts;
  return 3 * t.boot + strategyBudgetMs(board) + (rack.recovery ? (rack.recovery.timeoutMs ?? RECOVERY_LIMIT_MS) : 0);
}

export async function healthOrBringBack(board: Board, rack: Pick<RackBoard, 'id' | 'type' | 'tags' | 'recovery'>): Promise<BroughtBack> {
  const first = await checkBoardHealth(board, rack.id);
  if (first.healthy) return { health: first, steps: [] };
  board.log.warn({ board: rack.id, step: first.failedStep, reason: first.reason }, 'health check failed: bringing the board back');
  let recovery: Recovered | undefined;
  const steps: string[] = [];
  try {
    await bringToShell(board, rack.id, Deadline.after(strategyBudgetMs(board), 'bring the board back'), {
      recover: rack.recovery ? () => recoverBoard(rack) : undefined,
      onRecovered: (r) => (recovery = r),
      steps,
    });
  } catch (e) {
    const why = ((e as Error).message ?? String(e)).split('\n')[0];
    board.log.warn({ board: rack.id, reason: why }, 'the board could not be brought back');
    const health: HealthReport = { ...first, reason: `${first.reason}; not brought back: ${why}`, lastLines: board.events.lastLines().slice(-20) };
    return { health, firstFailure: first.reason, steps, recovery };
  }
  const health = await checkBoardHealth(board, rack.id);
  board.log.info({ board: rack.id, steps, healthy: health.healthy, recoveryMs: recovery?.durationMs }, 'board brought back, health checked again');
  return { health, firstFailure: first.reason, steps, recovery };
}

/** One line for logs and annotations: what was done, the recovery's duration and last output line. */
export function describeBroughtBack(b: BroughtBack): string {
  const rec = b.recovery ? `; recovery took ${(b.recovery.durationMs / 1000).toFixed(1)} s${b.recovery.lastLines.length ? `, last output: ${b.recovery.lastLines.slice(-3).join(' | ')}` : ''}` : '';
  return `${b.health.healthy ? 'brought back' : 'not brought back'} after ${b.firstFailure} (steps: ${b.steps.join(' → ') || 'none'})${rec}`;
}
