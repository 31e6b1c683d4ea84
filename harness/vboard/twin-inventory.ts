import fs from 'node:fs';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';
import type { VboardState } from './run-state.ts';

// A twin's entry in a lab inventory file (README "Running on real boards"), keyed by the board
// type it stands in for, with what the profile schema accepts today: deviceId, the serial as
// ser2net's host:port, SSH with its key and pinned host key. The password and the power commands
// stay in the twin's state (`hil vboard status --json`): see twinInventoryEntry's notes.

export function twinInventoryEntry(s: VboardState): Record<string, unknown> {
  const t = s.twin!;
  return {
    deviceId: t.deviceId,
    serial: { port: t.serialTcp },
    ssh: { host: s.ssh.host, port: s.ssh.port, privateKey: s.ssh.key, hostKeyFingerprint: s.ssh.hostKeyFingerprint },
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
