import { followBoard } from './follow-board.ts';
import { scaleEnvFromProcess } from './protocol.ts';

// The other shape: one process follows every board (as one worker holding a whole rack would).
// Forked by the bench with an IPC channel: when the bench goes, so does this process.

process.on('disconnect', () => process.exit());
const env = scaleEnvFromProcess();
const outcomes = await Promise.allSettled(Array.from({ length: env.boards }, (_, board) => followBoard(env, board)));
process.exitCode = outcomes.some((o) => o.status === 'rejected') ? 1 : 0;
process.disconnect();
