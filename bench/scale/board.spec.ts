import { test } from '@playwright/test';
import { followBoard } from './follow-board.ts';
import { scaleEnvFromProcess } from './protocol.ts';

// The rack shape: one test per board, each in a worker of its own (the bench's nested run sets
// `workers` to the number of boards), following its board from attach to the end of its update.

const env = scaleEnvFromProcess();
test.describe.configure({ mode: 'parallel' });

for (let board = 0; board < env.boards; board++) {
  test(`board ${board}`, async () => {
    test.setTimeout(env.timeoutMs + 120_000);
    await followBoard(env, board);
  });
}
