import { matchingBoards } from './rack-inventory.ts';
import { rackInventory, wantedTags } from './rack-board.ts';

// How many workers a board project runs: as many as it could lease boards, i.e. the inventory's
// boards of its type carrying HIL_BOARD_TAGS (one for the per-type form or no inventory). Read
// when Playwright loads its configuration, so a run never starts a worker that could only wait.
// Boards out of service or held by others are not counted: such a worker waits (HIL_LEASE_WAIT)
// and then skips its tests, naming the holders. An unreadable inventory gives one worker: its
// fixture then reports the inventory's problems, where a test failure shows them.

export function boardProjectWorkers(type: string, projectRoot: string, env: NodeJS.ProcessEnv = process.env): number {
  try {
    return Math.max(1, matchingBoards(rackInventory(projectRoot, env), type, wantedTags(env)).length);
  } catch {
    return 1;
  }
}
