import fs from 'node:fs';
import path from 'node:path';

// Where a virtual board kept by `hil vboard up` keeps its state (.cache/vboard-run/<name>/), and
// how to read it: shared by the CLI and the fixtures that attach to such a board.

export interface VboardState {
  name: string;
  pid: number;
  serial: string;
  ssh: { host: string; port: number; user: string; key: string; hostKeyFingerprint: string };
  otaService: string;
  signingKey: string;
  /** A board twin (`hil vboard up --twin`): reached as a rack board is. */
  twin?: TwinState;
  /** The board's disk and the pristine built image it started from (`hil vboard reimage`). */
  disk?: BoardDisk;
}

export interface BoardDisk {
  /** The file QEMU runs on: a twin's raw copy, or the plain board's qcow2 overlay. */
  file: string;
  /** The built image (.cache/vboard-twin/<twin>/<hash>/disk.img or .cache/vboard/<hash>/disk.img). */
  pristine: string;
  format: 'raw' | 'qcow2';
}

export interface TwinState {
  /** The board type it stands in for: its profile and its key in the lab inventory. */
  board: string;
  /** ser2net's raw TCP port in front of the serial, as "host:port". */
  serialTcp: string;
  deviceId: string;
  /** The console password's file (0600); the password itself is never printed. */
  passwordFile: string;
  /** Shell commands that switch the twin, for the `command` power driver. */
  power: { on: string; off: string; cycle: string; status: string };
  /** The command that re-images the twin (`hil vboard reimage --name N`): the rack's `recovery`. */
  recovery?: string;
  /** The lab inventory the twin was added to, if any. */
  inventory?: string;
  /**
   * The twin's OTA side, as the inventory's `lab` section takes it: its own lab service's partner
   * configuration (absent when `--service` named another service), the image build, the broken variants.
   */
  lab?: { otaConf?: string; build: string; variants: string[] };
}

export const vboardRunDir = (root: string, name: string) => path.join(root, '.cache', 'vboard-run', name);

export function checkName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) throw new Error(`--name: expected lower-case letters, digits and dashes, found "${name}"`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The state a keeper left, whether or not it still runs. */
export function readStateFile(root: string, name: string): VboardState | undefined {
  const file = path.join(vboardRunDir(root, name), 'state.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as VboardState;
}

export function readState(root: string, name: string): VboardState | undefined {
  const s = readStateFile(root, name);
  return s && alive(s.pid) ? s : undefined;
}
