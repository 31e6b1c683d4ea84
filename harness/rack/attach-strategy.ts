import type { Board } from '../board/board.ts';
import { LabFault } from '../errors.ts';
import { Deadline } from '../wait/deadline.ts';
import { BoardStrategy, OutOfServiceError, type Booted, type StrategyBoard } from './board-strategy.ts';
import type { Recovered } from './recovery.ts';

// The board fixture's way to a known state on a board it attaches to (a rack board, a kept
// virtual board): the state machine of board-strategy.ts bound to the board's console, SSH and
// power. Without power control, what goes wrong while attaching is thrown as it is.

export interface ShellOptions {
  /** The board's recovery command (recovery.ts), when this transition may run it. */
  recover?: () => Promise<Recovered>;
  /** Told of each recovery that ran (its duration and last output lines). */
  onRecovered?: (r: Recovered) => void;
  /** Filled with the steps as they are taken: the caller has them even when the transition fails. */
  steps?: string[];
}

/**
 * The board state machine (harness/rack/board-strategy.ts) on an attached board: attach = the
 * console, a login, the log follower, SSH and no update under way; power-cycle = the driver's
 * cycle and a boot; recover = off, the recovery command, on. Every wait draws on `d`, each boot
 * at most the profile's boot budget, except the boot after a recovery: the recovery has a limit
 * of its own, and the boot after it a fresh boot budget. Returns the steps taken.
 */
export async function bringToShell(board: Board, id: string, d: Deadline, o: ShellOptions = {}): Promise<string[]> {
  let lastTrouble: Error | undefined;
  const t = board.profile.timeouts;
  const bootBudget = t.boot;
  let recovered = false;
  const shellWithin = async (deadline: Deadline): Promise<Booted> => {
    try {
      await board.waitForShell(deadline);
      return 'shell';
    } catch (e) {
      lastTrouble = e as Error;
      return 'no-slot-boots';
    }
  };
  const target: StrategyBoard = {
    canPower: board.power.canCut,
    canRecover: !!o.recover,
    async attach() {
      try {
        await board.openConsole();
        // A board that answers does so within a login, the follower's start and a command.
        await board.loginAndFollow(d.within(t.login + t.followerReady + t.command));
      } catch (e) {
        lastTrouble = e as Error;
        if (!board.power.canCut) throw e;
        return 'no-answer';
      }
      try {
        await board.expectNoUpdateUnderWay();
        return 'shell';
      } catch (e) {
        lastTrouble = e as Error;
        if (!board.power.canCut) throw e;
        return 'update-under-way';
      }
    },
    async powerOff() {
      await board.cutPower();
    },
    async powerOn() {
      await board.powerOn();
      return shellWithin(recovered ? Deadline.after(bootBudget, 'boot after the recovery') : d.within(bootBudget));
    },
    async powerCycle() {
      await board.powerCycle();
      return shellWithin(d.within(bootBudget));
    },
    async boot() {
      await board.console.send('boot');
      return shellWithin(d.within(bootBudget));
    },
    async recover() {
      const r = await o.recover!();
      recovered = true;
      board.log.info({ board: id, durationMs: r.durationMs, lastLines: r.lastLines }, 'recovery command done');
      o.onRecovered?.(r);
    },
  };
  const strategy = new BoardStrategy(id, target, 'unknown', o.steps);
  try {
    await strategy.transition('shell');
    return strategy.steps;
  } catch (e) {
    if (e instanceof OutOfServiceError && lastTrouble) throw new LabFault(`${e.text}: ${lastTrouble.message.split('\n')[0]}`, { phase: 'attach to the board', cause: e });
    throw e;
  } finally {
    board.log.info({ board: id, steps: strategy.steps }, 'board state');
  }
}
