import type { SshTarget } from '../../harness/ssh/ssh-session.ts';

// What the scale bench, its console generator and the board followers say to each other.

/** Bench -> generator (IPC). */
export type GeneratorRequest = { type: 'update'; spreadMs: number } | { type: 'stop' };
/** Generator -> bench (IPC). `lastSeq[board]`: the last sequence number written to that board's console. */
export type GeneratorReply = { type: 'ready'; ports: number[] } | { type: 'stopped'; lastSeq: number[] };

/** Follower -> bench: JSON lines on the control port. */
export type FollowerMessage =
  | { type: 'attached'; board: number; pid: number }
  | { type: 'updated'; board: number }
  | { type: 'result'; board: number; result: FollowerResult }
  | { type: 'failed'; board: number; error: string };

/** Bench -> follower: the generator stopped after writing `lastSeq`. */
export type HubMessage = { type: 'finish'; lastSeq: number };

export interface FollowerResult {
  pid: number;
  /** Stamped lines received. */
  lines: number;
  /** Sequence numbers never received. */
  lost: number;
  /** Lines received again or out of order, and lines that came without a whole stamp. */
  outOfOrder: number;
  unstamped: number;
  /** Line written -> OTA event emitted by the event log, for every event of the update (ms). */
  eventMs: number[];
  /** Line written -> events.waitFor() resolved, for the events the follower awaited (ms). */
  waitForMs: number[];
  /** The slowest events of the update: which, and how late. */
  slowest: { kind: string; ms: number }[];
}

/** What a follower is told through its environment (the nested Playwright run passes it on to its workers). */
export interface ScaleEnv {
  boards: number;
  /** Boards one Playwright worker follows: 1 is the rack shape, a worker per board. */
  boardsPerWorker: number;
  controlPort: number;
  consolePorts: number[];
  ssh: SshTarget;
  /** Bounds one board's whole follow: attach, idle window, update, finish. */
  timeoutMs: number;
}

export function scaleEnvVars(e: ScaleEnv): Record<string, string> {
  return { HIL_SCALE: JSON.stringify(e) };
}

export function scaleEnvFromProcess(): ScaleEnv {
  const raw = process.env.HIL_SCALE;
  if (!raw) throw new Error('HIL_SCALE is not set: the scale followers run under bench/scale.ts, which sets it');
  const e = JSON.parse(raw) as ScaleEnv;
  if (!Array.isArray(e.consolePorts) || e.consolePorts.length !== e.boards) throw new Error(`HIL_SCALE: expected consolePorts to list one port for each of the ${e.boards} boards`);
  return e;
}
