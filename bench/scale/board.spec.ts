import { test } from '@playwright/test';
import { followBoard } from './follow-board.ts';
import { scaleEnvFromProcess } from './protocol.ts';

// The boards of the scale bench, `boardsPerWorker` to a test; the bench's nested run gives every
// test a worker of its own. One board per test is the rack shape; more is the shape that scales.

const env = scaleEnvFromProcess();
test.describe.configure({ mode: 'parallel' });

for (let first = 0; first < env.boards; first += env.boardsPerWorker) {
  const boards = Array.from({ length: Math.min(env.boardsPerWorker, env.boards - first) }, (_, i) => first + i);
  test(boards.length === 1 ? `board ${first}` : `boards ${first}-${boards.at(-1)}`, async () => {
    test.setTimeout(env.timeoutMs + 120_000);
    await Promise.all(boards.map((board) => followBoard(env, board)));
  });
}
