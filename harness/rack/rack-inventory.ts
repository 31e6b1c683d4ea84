import { ProfileError } from '../board/profile-error.ts';
import { inventoryPath, LAB_SECTION, type Overrides } from '../board/inventory.ts';
import { isObject, readInventoryFile } from '../board/inventory-file.ts';

// The boards of a lab, many per type, from the lab inventory:
//   { "boards": [ { "id": "sama5d2-1", "type": "sama5d2", "tags": ["usb-power"],
//                   "serial": {...}, "ssh": {...}, "deviceId": "...", "login": {"password": {...}},
//                   "power": {"driver": ..., ...}, "recovery": "sam-ba -p serial ..." }, ... ] }
// or the per-type form, one board named after its type:  { "sama5d2": { "serial": {...}, ... } }.
// A thin layer: it checks what makes a rack (ids, types, tags, recovery) and hands every other
// field, as profile overrides, to the profile loader, which validates them.

export interface RackBoard {
  id: string;
  /** The board type: the profile's name (boards/<type>.ts). */
  type: string;
  tags: string[];
  /** This board's profile fields (serial, ssh, deviceId, login, power, ...): checked by the profile loader. */
  profile: Overrides;
  /** Brings a bricked board back (SAM-BA, boot from SD); run by the lab, never printed. */
  recovery?: { command: string; timeoutMs?: number };
}

export interface RackInventory {
  /** The inventory file, or undefined when there is none. */
  file: string | undefined;
  boards: RackBoard[];
}

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TYPE = /^[a-z][a-z0-9-]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:=/-]{0,63}$/;
const RACK_FIELDS = new Set(['id', 'type', 'tags', 'recovery']);

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function parseRecovery(v: unknown, where: string, problems: string[]): RackBoard['recovery'] {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.trim()) return { command: v };
  if (isObject(v) && typeof v.command === 'string' && v.command.trim()) {
    const extra = Object.keys(v).filter((k) => k !== 'command' && k !== 'timeoutMs');
    if (extra.length) problems.push(`${where}.recovery: unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (expected command, timeoutMs)`);
    if (v.timeoutMs !== undefined && !(Number.isInteger(v.timeoutMs) && (v.timeoutMs as number) > 0)) problems.push(`${where}.recovery.timeoutMs: expected a time limit in ms (a positive whole number), found ${show(v.timeoutMs)}`);
    return { command: v.command, timeoutMs: v.timeoutMs as number | undefined };
  }
  // Never echo a command: it may carry a PDU's or a programmer's credentials.
  problems.push(`${where}.recovery: expected the recovery command (a non-empty string, or {"command": "...", "timeoutMs": N})`);
  return undefined;
}

function parseBoard(v: unknown, index: number, problems: string[]): RackBoard | undefined {
  const at = `boards[${index}]`;
  if (!isObject(v)) {
    problems.push(`${at}: expected a board ({"id": ..., "type": ..., ...}), found ${show(v)}`);
    return undefined;
  }
  const id = v.id;
  const where = typeof id === 'string' ? `${at} (${id})` : at;
  const before = problems.length;
  if (typeof id !== 'string' || !ID.test(id)) problems.push(`${at}.id: expected a board id (lower-case letters, digits, '.', '_', '-'; up to 64), found ${show(id)}`);
  if (typeof v.type !== 'string' || !TYPE.test(v.type)) problems.push(`${where}.type: expected the board type, the name of its profile (sama5d2, bbgw), found ${show(v.type)}`);
  const tags = v.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !TAG.test(t)))
    problems.push(`${where}.tags: expected a list of tags (letters, digits, '.', '_', ':', '=', '/', '-'; no commas or spaces), found ${show(v.tags)}`);
  const recovery = parseRecovery(v.recovery, where, problems);
  if (problems.length > before) return undefined;
  const profile = Object.fromEntries(Object.entries(v).filter(([k]) => !RACK_FIELDS.has(k)));
  return { id: id as string, type: v.type as string, tags: tags as string[], profile, recovery };
}

/** Checks an inventory's content; every problem names its board and field. */
export function parseRackInventory(input: unknown, file: string): RackInventory {
  if (!isObject(input)) throw new ProfileError(file, [`expected an object: {"boards": [...]} or keyed by board type ({"sama5d2": {...}}), found ${show(input)}`]);
  // The lab section (the OTA service and image build of the lab) is no board, in either form.
  const { [LAB_SECTION]: _lab, ...data } = input;
  const problems: string[] = [];
  let boards: RackBoard[];
  if ('boards' in data) {
    const others = Object.keys(data).filter((k) => k !== 'boards');
    if (others.length) problems.push(`${others.join(', ')}: with a "boards" list, every board goes in it (found per-type entries beside it)`);
    if (!Array.isArray(data.boards)) throw new ProfileError(file, [...problems, `boards: expected a list of boards, found ${show(data.boards)}`]);
    boards = data.boards.map((b, i) => parseBoard(b, i, problems)).filter((b): b is RackBoard => !!b);
    const seen = new Map<string, number[]>();
    data.boards.forEach((b, i) => isObject(b) && typeof b.id === 'string' && seen.set(b.id, [...(seen.get(b.id) ?? []), i]));
    for (const [id, at] of seen) if (at.length > 1) problems.push(`boards: the id ${id} is used by ${at.map((i) => `boards[${i}]`).join(' and ')} (ids must be unique)`);
  } else {
    boards = [];
    for (const [type, entry] of Object.entries(data)) {
      if (!TYPE.test(type)) problems.push(`${type}: expected a board type (lower-case letters, digits, dashes) as the key`);
      else if (!isObject(entry)) problems.push(`${type}: expected an object of profile fields, found ${show(entry)}`);
      else boards.push({ id: type, type, tags: [], profile: entry });
    }
  }
  if (problems.length) throw new ProfileError(file, problems);
  return { file, boards };
}

/** Reads an inventory file (the lab inventory's JSON). */
export function readRackInventory(file: string): RackInventory {
  return parseRackInventory(readInventoryFile(file), file);
}

/** The lab's inventory (HIL_INVENTORY, or lab-inventory.json at the project root); no boards when there is none. */
export function loadRackInventory(projectRoot: string, env: NodeJS.ProcessEnv = process.env): RackInventory {
  const file = inventoryPath(projectRoot, env);
  return file ? readRackInventory(file) : { file: undefined, boards: [] };
}

/** The boards of a type carrying every one of the tags, in inventory order. */
export function matchingBoards(inv: RackInventory, type: string, tags: readonly string[] = []): RackBoard[] {
  return inv.boards.filter((b) => b.type === type && tags.every((t) => b.tags.includes(t)));
}
