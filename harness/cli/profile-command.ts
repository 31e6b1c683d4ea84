import path from 'node:path';
import { loadProfile, profileWarnings, type LoadProfileOptions } from '../board/load-profile.ts';
import { ProfileError } from '../board/profile-error.ts';
import type { BoardProfile } from '../board/profile-schema.ts';
import { inventoryPath } from '../board/inventory.ts';
import { rackInventory } from '../rack/rack-board.ts';

/**
 * `hil profile check [FILE...] [--inventory FILE]`: loads each profile with the lab's values;
 * prints what is wrong (exit 2), and warns about what a run on this machine would miss (the
 * password's variable or file, the SSH key file) without failing: the check may run where the run
 * does not. With a rack-form inventory (`{"boards": [...]}`, from --inventory or HIL_INVENTORY),
 * each profile is checked as applied to every board of its type, one line per board, each
 * problem naming the board and its field (`sama5d2-2: boards[1].ssh.port: ...`); without FILEs,
 * the profile of each board's type (boards/<type>.ts).
 */
export async function checkProfilesCommand(files: string[], o: { timeout?: string; inventory?: string; projectRoot?: string } = {}): Promise<number> {
  const projectRoot = o.projectRoot ?? process.cwd();
  const env = o.inventory ? { ...process.env, HIL_INVENTORY: path.resolve(o.inventory) } : process.env;
  const load: LoadProfileOptions = { projectRoot, env, ...(o.timeout ? { loadTimeoutMs: Number(o.timeout) * 1000 } : {}) };
  let inv;
  try {
    inv = rackInventory(projectRoot, env);
  } catch (e) {
    if (!(e instanceof ProfileError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  if (inv.rackForm) return checkRack(files, inv.boards, load);
  if (!files.length) {
    process.stderr.write(`name the profile files to check (boards/sama5d2.ts), or a rack inventory with --inventory or HIL_INVENTORY (${inventoryPath(projectRoot, env) ?? 'none found'} has no "boards" list)\n`);
    return 2;
  }
  let bad = 0;
  for (const file of files) {
    try {
      const { profile, overriddenBy } = await loadProfile(file, load);
      const from = overriddenBy.length ? ` (lab values from ${overriddenBy.join(', ')})` : '';
      process.stdout.write(`${file}: ok: ${summary(profile)}${from}\n`);
      for (const w of profileWarnings(profile)) process.stderr.write(`${file}: warning: ${w}\n`);
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e;
      bad++;
      process.stderr.write(`${e.message}\n`);
    }
  }
  return bad ? 2 : 0;
}

function summary(p: BoardProfile): string {
  return `${p.name}, serial ${p.serial.port}, ssh ${p.ssh.user}@${p.ssh.host}:${p.ssh.port}, deviceId ${p.deviceId}`;
}

type RackEntry = ReturnType<typeof rackInventory>['boards'][number];

/** Every board of the rack whose type has a profile to check: the profile with the board's entry applied. */
async function checkRack(files: string[], boards: RackEntry[], load: LoadProfileOptions): Promise<number> {
  const fileOf = (type: string) => (files.length ? files.find((f) => path.basename(f).replace(/\.[cm]?[jt]s$/, '') === type) : `boards/${type}.ts`);
  let bad = 0;
  let checked = 0;
  for (const [index, board] of boards.entries()) {
    const file = fileOf(board.type);
    if (!file) continue;
    checked++;
    try {
      const { profile } = await loadProfile(file, { ...load, inventoryEntry: { board: board.id, fields: board.profile } });
      process.stdout.write(`${board.id}: ok: ${summary(profile)}${board.recovery ? ', recovery command set' : ''}\n`);
      for (const w of profileWarnings(profile)) process.stderr.write(`${board.id}: warning: boards[${index}].${w}\n`);
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e;
      bad++;
      // Field problems are the board's entry applied to its type's profile; a module that fails to load is the profile's.
      const fieldProblems = e.file !== file;
      for (const p of e.problems) process.stderr.write(fieldProblems ? `${board.id}: boards[${index}].${p}\n` : `${board.id}: ${file}: ${p}\n`);
    }
  }
  if (!checked) {
    process.stderr.write(`no board of the lab inventory is of the profiles named (${files.join(', ')}); its types: ${[...new Set(boards.map((b) => b.type))].join(', ') || 'none'}\n`);
    return 2;
  }
  return bad ? 2 : 0;
}
