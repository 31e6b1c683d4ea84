import type { Board } from '../board/board.ts';
import { LabFault } from '../errors.ts';
import type { Deadline } from '../wait/deadline.ts';
import { BoardStrategy, OutOfServiceError } from './board-strategy.ts';

// The board fixture's way to a known state on a board it attaches to (a rack board, a kept
// virtual board): the state machine of board-strategy.ts bound to the board's console, SSH and
// power. Without power control, what goes wrong while attaching is thrown as it is.

/**
 * The board state machine (harness/rack/board-strategy.ts) on an attached board: attach = the
 * console, a login, the log follower, SSH and no update under way; power-cycle = cut and boot.
 * Returns the steps taken.
 */
export async function bringToShell(board: Board, id: string, d: Deadline): Promise<string[]> {
  let lastTrouble: Error | undefined;
  const strategy = new BoardStrategy(id, {
    canPower: board.power.canCut,
    async attach() {
      try {
        await board.openConsole();
        await board.loginAndFollow(d);
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
      await board.waitForShell(d);
    },
    async boot() {
      await board.console.send('boot');
      await board.waitForShell(d);
    },
  });
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
