import { inventoryPath } from '../board/inventory.ts';
import { isObject, readInventoryFile } from '../board/inventory-file.ts';
import type { BoardProfile } from '../board/profile-schema.ts';
import { silentLogger, type HarnessLogger } from '../logger.ts';
import { Deadline } from '../wait/deadline.ts';
import type { HealthReport } from './health-check.ts';
import { HeldLease } from './held-lease.ts';
import { thisHolder } from './holder-process.ts';
import type { LeaseStore } from './lease-store.ts';
import { acquire, NoBoardFreeError } from './leases.ts';
import { parseRackInventory, type RackBoard, type RackInventory } from './rack-inventory.ts';

// A worker's board of the rack: one board of the project's type (and tags), leased for the
// worker's life, renewed while it lives, health-checked before it is used. A board that fails its
// health check goes out of service (reason and last console lines in the store) and the next free
// board is tried; nobody is handed it again until `hil rack return`. When no board comes free
// within the wait, the worker has none, and says what it waited for and who holds each board.

/** A session lease's TTL: a worker killed with SIGKILL frees its board within this (at once on the same host). */
export const SESSION_TTL_MS = 30_000;
export const DEFAULT_LEASE_WAIT_S = 600;

export interface LeasedBoard {
  board: RackBoard;
  profile: BoardProfile;
  held: HeldLease;
  health: Extract<HealthReport, { healthy: true }>;
}

export interface LeaseBoardRequest {
  store: LeaseStore;
  /** The candidates, in order of preference (matchingBoards of the project's type and tags). */
  boards: readonly RackBoard[];
  /** What is wanted, as messages say it: "sama5d2 board with tags usb-power". */
  want: string;
  job: string;
  waitMs: number;
  /** The board's profile: the type's profile with this board's inventory entry applied. */
  profileOf(board: RackBoard): Promise<BoardProfile>;
  check(board: RackBoard, profile: BoardProfile): Promise<HealthReport>;
  log?: HarnessLogger;
  ttlMs?: number;
}

export type LeaseOutcome = { leased: LeasedBoard } | { none: NoBoardFreeError; retired: string[] };

/** HIL_BOARD_TAGS: a comma list of tags every leased board must carry. */
export function wantedTags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.HIL_BOARD_TAGS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** HIL_LEASE_WAIT: seconds a worker waits for a free board (default 600). */
export function leaseWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HIL_LEASE_WAIT;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_WAIT_S * 1000;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new RangeError(`HIL_LEASE_WAIT: expected a number of seconds to wait for a free board, found ${JSON.stringify(raw)}`);
  return Number(raw) * 1000;
}

/**
 * The lab inventory's boards (HIL_INVENTORY, or lab-inventory.json), its `lab` section (the OTA
 * side, read by harness/suite/lab.ts) set aside; no boards when there is no inventory.
 */
export function rackInventory(projectRoot: string, env: NodeJS.ProcessEnv = process.env): RackInventory & { rackForm: boolean } {
  const file = inventoryPath(projectRoot, env);
  if (!file) return { file: undefined, boards: [], rackForm: false };
  const data = readInventoryFile(file);
  const rackForm = isObject(data) && Object.hasOwn(data, 'boards');
  return { ...parseRackInventory(data, file), rackForm };
}

export function describeWant(type: string, tags: readonly string[]): string {
  return `${type} board${tags.length ? ` with tags ${tags.join(', ')}` : ''}`;
}

/** Leases a board that passes its health check, retiring each one that fails it, within `waitMs`. */
export async function leaseHealthyBoard(r: LeaseBoardRequest): Promise<LeaseOutcome> {
  const log = r.log ?? silentLogger;
  const ttlMs = r.ttlMs ?? SESSION_TTL_MS;
  const deadline = Deadline.after(r.waitMs, 'rack');
  const retired: string[] = [];
  for (;;) {
    let lease;
    try {
      lease = await acquire({ store: r.store, boards: r.boards.map((b) => b.id), want: r.want, holder: thisHolder(r.job), kind: 'session', ttlMs, deadline });
    } catch (e) {
      if (e instanceof NoBoardFreeError) return { none: e, retired };
      throw e;
    }
    const held = new HeldLease(r.store, lease, ttlMs, (reason) => log.warn({ board: lease.board, reason }, 'rack lease lost'));
    const board = r.boards.find((b) => b.id === lease.board)!;
    let health: HealthReport;
    let profile: BoardProfile;
    try {
      profile = await r.profileOf(board);
      health = await r.check(board, profile);
    } catch (e) {
      // Not the board's health (a bad inventory entry, the store gone): the lease goes back.
      await held.release();
      throw e;
    }
    if (health.healthy) {
      log.info({ board: board.id, tags: board.tags, slot: health.slot, expiresAt: held.expiresAt.toISOString() }, 'rack board leased, health check passed');
      return { leased: { board, profile, held, health } };
    }
    log.warn({ board: board.id, step: health.failedStep, reason: health.reason }, 'rack board failed its health check: out of service');
    await held.retire(health.reason, health.lastLines);
    retired.push(`${board.id}: ${health.reason}`);
  }
}
