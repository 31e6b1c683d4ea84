import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { boardProfileSchema, type BoardProfile } from './profile-schema.ts';
import { ProfileError, formatIssues } from './profile-error.ts';
import { environmentOverrides, envVariableFor, inventoryPath, mergeOverrides, profileNames, readInventory, type Overrides } from './inventory.ts';
import { waitUntil } from '../wait/wait-until.ts';
import { WaitTimeoutError } from '../errors.ts';

export interface LoadedProfile {
  profile: BoardProfile;
  /** The profile file, and where lab values came from (file names and variable names, never values). */
  file: string;
  overriddenBy: string[];
}

/**
 * Imports a profile module. Under Playwright (or any TypeScript loader) a plain import does; the
 * bundled `hil` runs on plain Node, where a .ts profile goes through tsx's scoped loader.
 */
async function importModule(abs: string): Promise<{ default?: unknown }> {
  try {
    return await import(pathToFileURL(abs).href);
  } catch (e) {
    if ((e as NodeJS.ErrnoException | undefined)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(abs).href, import.meta.url)) as { default?: unknown };
  }
}

/** What a module threw, as a line: modules may throw anything, undefined included. */
function thrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return e === undefined ? 'undefined was thrown' : String(e);
}

export const PROFILE_LOAD_TIMEOUT_MS = 10_000;

/**
 * The profile module's default export, awaited (it may be a promise), within a bounded time: a
 * top-level await or a default export that never settles would otherwise hang, or end the
 * process with nothing said once the event loop is empty.
 */
async function importProfile(file: string, abs: string, timeoutMs: number): Promise<unknown> {
  const step = <T>(p: Promise<T>) =>
    waitUntil<T>({
      awaited: 'the profile module',
      where: file,
      timeoutMs,
      lastLines: () => [],
      watch: (resolve, reject) => void p.then(resolve, reject),
    });
  let mod: { default?: unknown };
  try {
    mod = await step(importModule(abs));
  } catch (e) {
    throw e instanceof WaitTimeoutError ? neverSettled(file, timeoutMs) : new ProfileError(file, [`cannot load the profile module: ${thrown(e)}`]);
  }
  try {
    return await step(Promise.resolve(mod.default));
  } catch (e) {
    throw e instanceof WaitTimeoutError ? neverSettled(file, timeoutMs) : new ProfileError(file, [`the profile module's default export failed: ${thrown(e)}`]);
  }
}

function neverSettled(file: string, timeoutMs: number): ProfileError {
  return new ProfileError(file, [`the profile module did not finish loading within ${timeoutMs / 1000} s (a top-level await or a default export that never settles?)`]);
}

/** Validates a profile object (already merged with lab values); throws ProfileError naming every bad field. */
export function validateProfile(data: unknown, file: string): BoardProfile {
  const r = boardProfileSchema.safeParse(data, { reportInput: true });
  if (r.success) return r.data;
  const board = typeof (data as { name?: unknown })?.name === 'string' ? (data as { name: string }).name : undefined;
  const hint = (field: string) => {
    const v = board ? envVariableFor(board, field) : undefined;
    return v ? `set it in the lab inventory or with ${v}` : undefined;
  };
  throw new ProfileError(file, formatIssues(r.error.issues, hint));
}

export interface LoadProfileOptions {
  projectRoot?: string;
  env?: NodeJS.ProcessEnv;
  loadTimeoutMs?: number;
  /**
   * One rack board's entry (harness/rack/rack-inventory.ts: its profile fields), applied instead of
   * the inventory's per-type entry; `board` names it in `overriddenBy` and in every error.
   */
  inventoryEntry?: { board: string; fields: Overrides };
}

/**
 * Loads a profile file (a module whose default export is the profile), applies the lab inventory
 * (or the given rack board's entry) and the environment, and validates the result.
 */
export async function loadProfile(file: string, o: LoadProfileOptions = {}): Promise<LoadedProfile> {
  const env = o.env ?? process.env;
  const projectRoot = o.projectRoot ?? process.cwd();
  const abs = path.resolve(projectRoot, file);
  if (!fs.existsSync(abs)) throw new ProfileError(file, ['no such profile file']);
  const base = await importProfile(file, abs, o.loadTimeoutMs ?? PROFILE_LOAD_TIMEOUT_MS);
  if (typeof base !== 'object' || base === null) throw new ProfileError(file, ['expected a default export with the profile (export default defineProfile({...}))']);
  const name = (base as { name?: unknown }).name;
  if (typeof name !== 'string') return { profile: validateProfile(base, file), file, overriddenBy: [] };
  const invFile = inventoryPath(projectRoot, env);
  const inventory = o.inventoryEntry ? o.inventoryEntry.fields : readInventory(invFile, name, profileNames(projectRoot));
  const { overrides, used } = environmentOverrides(name, env);
  const merged = mergeOverrides(mergeOverrides(base, inventory), overrides);
  const inventoryName = o.inventoryEntry ? `${invFile ?? 'the lab inventory'} board ${o.inventoryEntry.board}` : invFile;
  const overriddenBy = [...(inventoryName && Object.keys(inventory).length ? [inventoryName] : []), ...used];
  const where = overriddenBy.length ? `${file} (with ${overriddenBy.join(', ')})` : file;
  return { profile: validateProfile(merged, where), file, overriddenBy };
}

/** The console password, read from where the profile says; never logged. */
export function resolvePassword(profile: BoardProfile, env: NodeJS.ProcessEnv = process.env): string {
  const src = profile.login.password;
  if ('none' in src) return '';
  if ('env' in src) {
    const v = env[src.env];
    if (v === undefined) throw new ProfileError(profile.name, [`login.password: the environment variable ${src.env} is not set`]);
    return v;
  }
  try {
    return fs.readFileSync(src.file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new ProfileError(profile.name, [`login.password: cannot read ${src.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
}

/**
 * What a run would trip over but a profile check cannot decide (the run may be on another
 * machine, or the variable set later): the password's variable unset or its file unreadable,
 * the SSH key file missing. One line each; never a value.
 */
export function profileWarnings(profile: BoardProfile, env: NodeJS.ProcessEnv = process.env): string[] {
  const warnings: string[] = [];
  const src = profile.login.password;
  if ('env' in src && env[src.env] === undefined) warnings.push(`login.password: the environment variable ${src.env} is not set (set it, empty for no password)`);
  if ('file' in src) {
    try {
      fs.accessSync(src.file, fs.constants.R_OK);
    } catch (e) {
      warnings.push(`login.password: cannot read ${src.file} (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  try {
    fs.accessSync(profile.ssh.privateKey, fs.constants.R_OK);
  } catch (e) {
    warnings.push(`ssh.privateKey: ${profile.ssh.privateKey} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'} (${(e as NodeJS.ErrnoException).code})`);
  }
  return warnings;
}
