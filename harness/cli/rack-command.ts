import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { thisHolder } from '../rack/holder-process.ts';
import type { LeaseStore } from '../rack/lease-store.ts';
import { acquire, describeLease, NoBoardFreeError } from '../rack/leases.ts';
import { openLeaseStore } from '../rack/open-store.ts';
import { loadRackInventory, matchingBoards, type RackInventory } from '../rack/rack-inventory.ts';
import { formatRackStatus, rackStatus } from '../rack/rack-status.ts';
import { StateError, UsageError } from './failure.ts';

// `hil rack status|reserve|release|return`: the lab's rack for people at the bench. The boards
// come from the lab inventory, who holds them from the store HIL_LEASE_STORE names (see
// harness/rack/open-store.ts). A reservation lasts its --for whatever happens to this process;
// CI jobs then use the other boards.

const MAX_RESERVATION_S = 30 * 24 * 3600;

/** --wait: seconds, 0 for one attempt. */
function waitOption(v: string): string {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 2147483) throw new InvalidArgumentError('expected a number of seconds to wait (0 for none, at most 2147483).');
  return v;
}

/** --for: 90s, 30m, 2h, 1h30m, 1d, or plain seconds. */
export function parseDuration(v: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v);
  const s = /^\d+$/.test(v) ? Number(v) : m && v ? Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0) : undefined;
  return s !== undefined && s > 0 && s <= MAX_RESERVATION_S ? s : undefined;
}

function durationOption(v: string): string {
  if (parseDuration(v) === undefined) throw new InvalidArgumentError('expected a duration such as 90s, 30m, 2h, 1h30m or 1d (above 0, at most 30d).');
  return v;
}

function tagsOption(v: string): string[] {
  return v
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

function requireInventory(inv: RackInventory, root: string): asserts inv is RackInventory & { file: string } {
  if (!inv.file) throw new UsageError(`no lab inventory: write lab-inventory.json in ${root} or name one with HIL_INVENTORY`);
}

function requireBoard(inv: RackInventory & { file: string }, id: string): void {
  if (!inv.boards.some((b) => b.id === id)) throw new UsageError(`board ${id}: not in the lab inventory ${inv.file} (boards there: ${inv.boards.map((b) => b.id).join(', ') || 'none'})`);
}

async function withStore<T>(root: string, f: (store: LeaseStore) => Promise<T>): Promise<T> {
  const store = await openLeaseStore(process.env.HIL_LEASE_STORE, root);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

async function status(root: string, o: { json?: boolean }): Promise<void> {
  const inv = loadRackInventory(root);
  const s = await withStore(root, async (store) => rackStatus(inv, await store.snapshot(), store.description));
  process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatRackStatus(s));
}

async function reserve(root: string, o: { type: string; tags?: string[]; wait: string; for: string; job?: string; json?: boolean }): Promise<void> {
  const inv = loadRackInventory(root);
  requireInventory(inv, root);
  const tags = o.tags ?? [];
  const ofType = inv.boards.filter((b) => b.type === o.type);
  if (!ofType.length) throw new UsageError(`--type: no board of type "${o.type}" in ${inv.file} (types there: ${[...new Set(inv.boards.map((b) => b.type))].join(', ') || 'none'})`);
  const boards = matchingBoards(inv, o.type, tags);
  if (!boards.length) throw new UsageError(`--tags: no ${o.type} board has all of ${tags.join(', ')} in ${inv.file} (${ofType.map((b) => `${b.id}: ${b.tags.join(', ') || 'no tags'}`).join('; ')})`);
  const want = `${o.type} board${tags.length ? ` with tags ${tags.join(', ')}` : ''}`;
  const job = o.job ?? `${os.userInfo().username} at the bench`;
  const lease = await withStore(root, async (store) => {
    try {
      const waitMs = Number(o.wait) * 1000;
      return await acquire({ store, boards: boards.map((b) => b.id), want, holder: thisHolder(job), kind: 'reservation', ttlMs: parseDuration(o.for)! * 1000, timeoutMs: waitMs || undefined });
    } catch (e) {
      if (e instanceof NoBoardFreeError) throw new StateError(e.text);
      throw e;
    }
  });
  const board = inv.boards.find((b) => b.id === lease.board)!;
  if (o.json) {
    const { token: _token, ...shown } = lease;
    process.stdout.write(`${JSON.stringify({ ...shown, type: board.type, tags: board.tags })}\n`);
  } else {
    process.stdout.write(`${lease.board}\n`);
    process.stderr.write(`reserved ${lease.board} until ${lease.expiresAt.toISOString()} for ${job}; \`hil rack release ${lease.board}\` ends it sooner\n`);
  }
}

async function release(root: string, id: string, o: { force?: boolean }): Promise<void> {
  const inv = loadRackInventory(root);
  requireInventory(inv, root);
  if (!o.force) requireBoard(inv, id);
  const ended = await withStore(root, async (store) => {
    const gone = await store.forceRelease(id, o.force ? {} : { kind: 'reservation' });
    if (gone || o.force) return gone;
    const held = (await store.snapshot()).leases.find((l) => l.board === id);
    if (held) {
      throw new StateError(`board ${id}: ${describeLease(held)}, a running job's lease: it ends when the job releases it, or within its TTL once the job stops; --force ends it now`);
    }
    return undefined;
  });
  process.stdout.write(ended ? `released ${id} (was ${describeLease(ended)})\n` : `${id} was not leased\n`);
}

async function returnBoard(root: string, id: string): Promise<void> {
  const inv = loadRackInventory(root);
  const back = await withStore(root, (store) => store.returnToService(id));
  if (back) return void process.stdout.write(`${id} is back in service (out since ${back.since.toISOString()}: ${back.reason})\n`);
  requireInventory(inv, root);
  requireBoard(inv, id);
  process.stdout.write(`${id} was not out of service\n`);
}

/** Adds `hil rack ...` to the program; `projectRoot` is where .cache/rack.sqlite and lab-inventory.json are. */
export function registerRackCommand(program: Command, projectRoot: () => string = () => process.cwd()): void {
  const rack = program.command('rack').description('the lab rack: which board is leased by whom, reservations at the bench, out-of-service boards (store: HIL_LEASE_STORE)');
  rack
    .command('status')
    .description('every board: its holder (host, pid, job), since when, until when; out-of-service boards and why')
    .option('--json', 'print {store, now, inventory, boards: [{id, type, tags, state, lease, outOfService}]}')
    .action((o: { json?: boolean }) => status(projectRoot(), o));
  rack
    .command('reserve')
    .description('reserve a free board of a type for a person at the bench; prints its id')
    .requiredOption('--type <type>', 'board type (sama5d2, bbgw)')
    .option('--tags <list>', 'comma-separated tags the board must all have', tagsOption)
    .option('--wait <seconds>', 'wait up to this long for a board to come free', waitOption, '0')
    .option('--for <duration>', 'how long the reservation lasts (90s, 30m, 2h, 1d)', durationOption, '1h')
    .option('--job <text>', 'who it is for, as status shows it (default: "<user> at the bench")')
    .option('--json', 'print the lease as JSON')
    .action((o) => reserve(projectRoot(), o));
  rack
    .command('release')
    .description("end a reservation; a running job's lease only with --force")
    .argument('<id>', 'board id')
    .option('--force', 'end the lease whoever holds it')
    .action((id: string, o: { force?: boolean }) => release(projectRoot(), id, o));
  rack
    .command('return')
    .description('put an out-of-service board back in service')
    .argument('<id>', 'board id')
    .action((id: string) => returnBoard(projectRoot(), id));
}
