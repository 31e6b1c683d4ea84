import fs from 'node:fs';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';
import type { VboardState } from './run-state.ts';

// A twin's entry in a lab inventory file (README "Running on real boards"), keyed by the board
// type it stands in for: deviceId, the serial as ser2net's host:port, SSH with its key and pinned
// host key, the power commands (`command` driver), and what the twin can do that a rack board
// without power control cannot. The console password stays in its file (the twin's state names
// it): a password source in the inventory would be merged into the profile's, not replace it.

/** The SAMA5D2 twin has U-Boot's bootcount; Afero's BBGW setup has no rollback, nor has its twin. */
const twinCapabilities: Record<string, string[]> = { sama5d2: ['power-cut', 'rollback'], bbgw: ['power-cut'] };

export function twinInventoryEntry(s: VboardState): Record<string, unknown> {
  const t = s.twin!;
  return {
    deviceId: t.deviceId,
    serial: { port: t.serialTcp },
    ssh: { host: s.ssh.host, port: s.ssh.port, privateKey: s.ssh.key, hostKeyFingerprint: s.ssh.hostKeyFingerprint },
    power: { driver: 'command', ...t.power },
    capabilities: twinCapabilities[t.board] ?? [],
  };
}

function readInventoryFile(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) return {};
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--inventory ${file}: not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`--inventory ${file}: expected an object keyed by board name ({"sama5d2": {...}})`);
  return data as Record<string, unknown>;
}

/** Adds (or replaces) the twin's entry; the file is created if absent, other boards' entries kept. */
export function addTwinToInventory(file: string, s: VboardState): void {
  const data = readInventoryFile(file);
  data[s.twin!.board] = twinInventoryEntry(s);
  writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
}

/** Removes the twin's entry, if it is still this twin's (another may have been put there since). */
export function removeTwinFromInventory(file: string, s: VboardState): void {
  const data = readInventoryFile(file);
  const entry = data[s.twin!.board] as { serial?: { port?: string } } | undefined;
  if (entry?.serial?.port !== s.twin!.serialTcp) return;
  delete data[s.twin!.board];
  writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
}
