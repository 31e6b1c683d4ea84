import fs from 'node:fs';
import path from 'node:path';
import { isObject, readInventoryFile } from './inventory-file.ts';
import { ProfileError } from './profile-error.ts';
import { describeValue } from '../secrets.ts';

// The lab's own values for a board type, kept out of the profile so that one profile serves
// every rack: a JSON inventory file (HIL_INVENTORY, or lab-inventory.json at the project root)
//   { "sama5d2": { "serial": { "port": "/dev/ttyACM0" }, "ssh": { "host": "10.1.2.3" }, ... } }
// and environment variables, which win over the file:
//   HIL_<BOARD>_SERIAL, _SSH_HOST, _SSH_PORT, _SSH_USER, _SSH_KEY, _SSH_HOST_KEY, _DEVICE_ID
// where <BOARD> is the profile name in upper case with dashes as underscores.

export type Overrides = Record<string, unknown>;

export const environmentFields: Record<string, { path: string[]; number?: boolean }> = {
  SERIAL: { path: ['serial', 'port'] },
  SSH_HOST: { path: ['ssh', 'host'] },
  SSH_PORT: { path: ['ssh', 'port'], number: true },
  SSH_USER: { path: ['ssh', 'user'] },
  SSH_KEY: { path: ['ssh', 'privateKey'] },
  SSH_HOST_KEY: { path: ['ssh', 'hostKeyFingerprint'] },
  DEVICE_ID: { path: ['deviceId'] },
};

export function envPrefix(board: string): string {
  return `HIL_${board.toUpperCase().replace(/-/g, '_')}_`;
}

/** Which environment variable sets a field path ("ssh.host" -> HIL_SAMA5D2_SSH_HOST), if one does. */
export function envVariableFor(board: string, fieldPath: string): string | undefined {
  const hit = Object.entries(environmentFields).find(([, f]) => f.path.join('.') === fieldPath);
  return hit ? `${envPrefix(board)}${hit[0]}` : undefined;
}

export function inventoryPath(projectRoot: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.HIL_INVENTORY) return path.resolve(env.HIL_INVENTORY);
  const dflt = path.join(projectRoot, 'lab-inventory.json');
  return fs.existsSync(dflt) ? dflt : undefined;
}

/** The board types this project has profiles for: boards/<name>.ts. */
export function profileNames(projectRoot: string): string[] {
  try {
    return fs
      .readdirSync(path.join(projectRoot, 'boards'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

// Keys that JSON.parse keeps as plain fields but an object spread or assignment turns into a
// prototype: an entry's fields would vanish silently (or be inherited), never checked.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeKeys(v: unknown, at: string, found: string[]): string[] {
  if (typeof v !== 'object' || v === null) return found;
  for (const k of Object.keys(v)) {
    const where = Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`;
    if (PROTOTYPE_KEYS.has(k)) found.push(`${where}: expected profile fields, found ${JSON.stringify(k)} (it cannot be one)`);
    else prototypeKeys((v as Record<string, unknown>)[k], where, found);
  }
  return found;
}

/**
 * The inventory's entry for one board (empty when there is no inventory or no entry). Every key
 * must name a board type (`boards`: the lab's rack form, read by harness/rack/; `lab`: the OTA
 * side, read by harness/board/lab-section.ts); a misspelt one would leave its board with no lab
 * values and no word why.
 */
export function readInventory(file: string | undefined, board: string, knownBoards: readonly string[] = []): Overrides {
  if (!file) return {};
  const data = readInventoryFile(file);
  if (!isObject(data)) throw new ProfileError(file, ['expected an object keyed by board name ({"sama5d2": {...}})']);
  const known = [...new Set([...knownBoards, board])].sort();
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(data)) {
    if (key === 'boards' || key === LAB_SECTION) continue;
    if (!known.includes(key)) problems.push(`${key}: expected the name of a board profile (${known.join(', ')}), found an unknown board (misspelt?)`);
    else prototypeKeys(entry, key, problems);
  }
  if (problems.length) throw new ProfileError(file, problems);
  const entry = Object.hasOwn(data, board) ? data[board] : undefined;
  if (entry === undefined) return {};
  if (!isObject(entry)) throw new ProfileError(file, [`${board}: expected an object of profile fields, found ${describeValue(entry)}`]);
  return entry;
}

export function environmentOverrides(board: string, env: NodeJS.ProcessEnv): { overrides: Overrides; used: string[] } {
  const overrides: Overrides = {};
  const used: string[] = [];
  for (const [suffix, f] of Object.entries(environmentFields)) {
    const name = `${envPrefix(board)}${suffix}`;
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    used.push(name);
    let node = overrides;
    for (const key of f.path.slice(0, -1)) node = (node[key] ??= {}) as Overrides;
    node[f.path.at(-1)!] = f.number && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  return { overrides, used };
}

/** The inventory's top-level key for the OTA side of the lab (per board type), beside the boards. */
export const LAB_SECTION = 'lab';

/**
 * Fields whose value is one of several shapes, so an override replaces the whole value: the
 * password's source is one of env, file or none, and `{file}` over a profile's `{env}` must not
 * become `{env, file}`.
 */
const REPLACED_WHOLE = new Set(['login.password']);

/**
 * Deep merge of plain objects; arrays and scalars from `over` replace those in `base`, and so do
 * the REPLACED_WHOLE fields. Fields are defined, not assigned: a "__proto__" field stays a field
 * (the schema then refuses it).
 */
export function mergeOverrides<T>(base: T, over: Overrides): T {
  return mergeAt(base, over, '');
}

function mergeAt<T>(base: T, over: Overrides, at: string): T {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const field = at ? `${at}.${k}` : k;
    const b = Object.hasOwn(out, k) ? out[k] : undefined;
    const deep = !REPLACED_WHOLE.has(field) && v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b);
    const value = deep ? mergeAt(b, v as Overrides, field) : v;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

/**
 * The OTA side of the lab for one board type, from the inventory's `lab` section:
 *   "lab": { "sama5d2": { "otaConf": "partner-ota-conf.json", "build": "make-image ...",
 *                         "variants": ["rootfs-no-init", "rootfs-random-kernel"] } }
 * otaConf: the partner configuration of the OTA service the board uses (relative to the
 * inventory's folder); build: the command that builds a release image for a record; variants: the
 * broken images that command can also build (for rollback). Read by harness/suite/lab.ts, where
 * HIL_OTA_CONF, HIL_OTA_BUILD and HIL_OTA_VARIANTS win over it.
 */
export interface LabSection {
  otaConf?: string;
  build?: string;
  variants?: string[];
}

const LAB_FIELDS = ['otaConf', 'build', 'variants'];

/** The inventory's lab values for a board type (empty when there are none); problems name the file and field. */
export function readLabSection(file: string | undefined, board: string): LabSection {
  if (!file) return {};
  const data = readInventoryFile(file);
  const section = isObject(data) ? data[LAB_SECTION] : undefined;
  if (section === undefined) return {};
  if (!isObject(section)) throw new ProfileError(file, [`${LAB_SECTION}: expected an object keyed by board type ({"${board}": {"otaConf": ..., "build": ...}}), found ${describeValue(section)}`]);
  const entry = Object.hasOwn(section, board) ? section[board] : undefined;
  if (entry === undefined) return {};
  const at = `${LAB_SECTION}.${board}`;
  if (!isObject(entry)) throw new ProfileError(file, [`${at}: expected an object ({"otaConf": ..., "build": ..., "variants": [...]}), found ${describeValue(entry)}`]);
  const problems: string[] = [];
  const extra = Object.keys(entry).filter((k) => !LAB_FIELDS.includes(k));
  if (extra.length) problems.push(`${at}: unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (expected ${LAB_FIELDS.join(', ')})`);
  const { otaConf, build, variants } = entry;
  if (otaConf !== undefined && (typeof otaConf !== 'string' || !otaConf)) problems.push(`${at}.otaConf: expected the path of a partner-ota-conf.json, found ${describeValue(otaConf)}`);
  // Never echo a build command: it may carry credentials.
  if (build !== undefined && (typeof build !== 'string' || !build.trim())) problems.push(`${at}.build: expected the image build command (a non-empty string)`);
  if (variants !== undefined && (!Array.isArray(variants) || variants.some((v) => typeof v !== 'string'))) problems.push(`${at}.variants: expected a list of image variants (["rootfs-no-init", "rootfs-random-kernel"]), found ${describeValue(variants)}`);
  if (problems.length) throw new ProfileError(file, problems);
  return {
    ...(otaConf !== undefined ? { otaConf: path.resolve(path.dirname(file), otaConf as string) } : {}),
    ...(build !== undefined ? { build: build as string } : {}),
    ...(variants !== undefined ? { variants: variants as string[] } : {}),
  };
}
