import fs from 'node:fs';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';
import { LAB_SECTION, type LabSection } from '../board/inventory.ts';
import type { VboardState } from './run-state.ts';

// A twin's entry in a lab inventory file (README "Running on real boards"), as a rack board is
// listed: deviceId, the serial as ser2net's host:port, SSH with its key and pinned host key, the
// console password's file, the power commands (`command` driver), and what the twin can do that a
// rack board without power control cannot. In the rack form ({"boards": [...]}), which a new
// inventory gets, it is a board with the twin's name as id and its re-imaging as `recovery`; in an
// existing per-type form ({"sama5d2": {...}}) the entry of its board type, which has no place for
// a recovery command. Beside it, the inventory's `lab` section gets the twin's OTA side for its board type: the
// partner configuration of the twin's lab service, the image build, the broken variants.

/** The SAMA5D2 twin has U-Boot's bootcount; Afero's BBGW setup has no rollback, nor has its twin. */
const twinCapabilities: Record<string, string[]> = { sama5d2: ['power-cut', 'rollback'], bbgw: ['power-cut'] };

export function twinInventoryEntry(s: VboardState): Record<string, unknown> {
  const t = s.twin!;
  return {
    deviceId: t.deviceId,
    serial: { port: t.serialTcp },
    ssh: { host: s.ssh.host, port: s.ssh.port, privateKey: s.ssh.key, hostKeyFingerprint: s.ssh.hostKeyFingerprint },
    login: { password: { file: t.passwordFile } },
    power: { driver: 'command', ...t.power },
    capabilities: twinCapabilities[t.board] ?? [],
  };
}

type Inventory = Record<string, unknown> & { boards?: Record<string, unknown>[]; lab?: Record<string, LabSection> };

function readInventoryFile(file: string): Inventory {
  if (!fs.existsSync(file)) return {};
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--inventory ${file}: not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`--inventory ${file}: expected an object keyed by board name ({"sama5d2": {...}}) or {"boards": [...]}`);
  const inv = data as Inventory;
  if (inv.boards !== undefined && !Array.isArray(inv.boards)) throw new Error(`--inventory ${file}: boards: expected a list of boards`);
  const lab = inv[LAB_SECTION];
  if (lab !== undefined && (typeof lab !== 'object' || lab === null || Array.isArray(lab))) throw new Error(`--inventory ${file}: ${LAB_SECTION}: expected an object keyed by board type`);
  return inv;
}

/** Re-imaging a twin takes a second or two; the bound leaves room for a loaded host. */
export const TWIN_RECOVERY_LIMIT_MS = 60_000;

const write = (file: string, data: Inventory) => writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);

/** Adds (or replaces) the twin's entry and its lab values; the file is created if absent (rack form), other boards' entries kept. */
export function addTwinToInventory(file: string, s: VboardState): void {
  const t = s.twin!;
  const data = readInventoryFile(file);
  const perType = Object.keys(data).some((k) => k !== 'boards' && k !== LAB_SECTION);
  if (!perType) {
    const recovery = t.recovery ? { recovery: { command: t.recovery, timeoutMs: TWIN_RECOVERY_LIMIT_MS } } : {};
    data.boards = [...(data.boards ?? []).filter((b) => b.id !== s.name), { id: s.name, type: t.board, ...twinInventoryEntry(s), ...recovery }];
  } else data[t.board] = twinInventoryEntry(s);
  if (t.lab) data[LAB_SECTION] = { ...data[LAB_SECTION], [t.board]: t.lab };
  write(file, data);
}

/** Removes the twin's entry and lab values, if they are still this twin's (another may have been put there since). */
export function removeTwinFromInventory(file: string, s: VboardState): void {
  const t = s.twin!;
  const data = readInventoryFile(file);
  const ours = (e: unknown) => (e as { serial?: { port?: string } } | undefined)?.serial?.port === t.serialTcp;
  if (data.boards) data.boards = data.boards.filter((b) => !(b.id === s.name && ours(b)));
  else if (ours(data[t.board])) delete data[t.board];
  const lab = data[LAB_SECTION];
  if (t.lab && lab && JSON.stringify(lab[t.board]) === JSON.stringify(t.lab)) {
    delete lab[t.board];
    if (!Object.keys(lab).length) delete data[LAB_SECTION];
  }
  write(file, data);
}
