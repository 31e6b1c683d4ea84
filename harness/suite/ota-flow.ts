import { expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import type { Board, Slot } from '../board/board.ts';
import type { OtaEvent } from '../logs/parse.ts';
import type { OtaEventKind } from '../logs/catalog.ts';
import type { Lab } from './lab.ts';
import type { PublishedImage } from '../ota/publish.ts';
import { ProductFailure } from '../errors.ts';

// The steps the scenarios are written in: note the board's state, push an image, follow the
// update phase by phase on the console (each wait names its phase and has the profile's budget),
// and check the outcome. A failed check is a product failure; a board that cannot be reached is
// a lab fault (raised by the console and SSH code).

export interface BoardState {
  slot: Slot;
  version: string;
  manifest: Map<string, string>;
}

export async function noteState(board: Board, o: { sentinel?: boolean } = {}): Promise<BoardState> {
  const manifest = await board.dataManifest(o.sentinel ? `hil-${Date.now()}-${randomBytes(6).toString('hex')}` : undefined);
  return { slot: await board.activeSlot(), version: await board.recordVersion(), manifest };
}

export async function push(board: Board, lab: Lab, image: PublishedImage, labFault?: string): Promise<void> {
  // A new push: what the console and the event log showed before is history for the waits.
  board.events.skipPending();
  board.console.skipPending();
  board.log.info({ imageId: image.image.id, versionNumber: image.record.versionNumber, deviceId: board.profile.deviceId, labFault }, 'push');
  await lab.client.push(image.image.id, board.profile.deviceId, labFault ? { labFault } : {});
}

function step(board: Board, kinds: OtaEventKind | OtaEventKind[], phase: string, timeoutMs: number): Promise<OtaEvent> {
  return board.events.waitFor(kinds, { phase, timeoutMs });
}

/** Follows a good update from the push to the sysupgrade call; returns when sysupgrade runs. */
export async function followToSysupgrade(board: Board, image: PublishedImage): Promise<void> {
  const t = board.profile.timeouts;
  const allowed = await step(board, 'ota-allowed', 'download', t.download);
  expect(allowed.fields.versionNumber, 'hubby was offered the pushed versionNumber').toBe(image.record.versionNumber);
  await step(board, 'download-done', 'download', t.download);
  await step(board, 'validated', 'verify', t.validate);
  const attr = await step(board, 'upgrade-path-set', 'handoff', t.validate);
  expect(attr.fields.path).toBe('/tmp/ota_type_5');
  await step(board, 'otamgr-notified', 'handoff', t.validate);
  const call = await step(board, 'sysupgrade-invoked', 'handoff', t.validate);
  expect(call.fields.path).toBe('/tmp/ota_type_5.img');
}

/** From the sysupgrade call through the reboot to a logged-in shell on the new system. */
export async function followRebootToShell(board: Board): Promise<void> {
  const t = board.profile.timeouts;
  await step(board, 'reboot', 'install', t.install);
  // The first login after the boot follows this boot's log from its start (the profile's
  // logs.sinceBootCommand): hubby says which version runs as it starts, often before the login.
  await board.waitForShell('reboot', t.reboot);
  await step(board, 'running-version', 'reboot', t.confirm);
}

/** A whole good update: push, every phase in order, reboot, shell. */
export async function update(board: Board, lab: Lab, image: PublishedImage): Promise<void> {
  await push(board, lab, image);
  await followToSysupgrade(board, image);
  await followRebootToShell(board);
}

/** The board runs `image` from the other slot, says so in both places, and kept its data. */
export async function expectUpdated(board: Board, before: BoardState, image: PublishedImage): Promise<BoardState> {
  const after = await noteState(board);
  const other: Slot = before.slot === 'A' ? 'B' : 'A';
  if (after.slot !== other) throw new ProductFailure(`no slot switch: still on slot ${after.slot} after the update to versionNumber ${image.record.versionNumber}`, { phase: 'confirm' });
  expect(after.version, '/etc/full_ota_record.json versionNumber').toBe(image.record.versionNumber);
  // followRebootToShell awaited hubby's start line: the version it named must be the new one.
  expect(board.hubbyVersion(), "hubby's 'running hub version' line after the reboot").toBe(image.record.versionNumber);
  expect((await board.sh('test -s /etc/ota_type_5.hdr && wc -c < /etc/ota_type_5.hdr')).trim(), '/etc/ota_type_5.hdr').toBe('216');
  expectSameData(before, after);
  return after;
}

/** Nothing changed: same slot, same version, same data. */
export async function expectUnchanged(board: Board, before: BoardState): Promise<void> {
  const now = await noteState(board);
  expect(now.slot, 'active slot').toBe(before.slot);
  expect(now.version, 'running versionNumber').toBe(before.version);
  expectSameData(before, now);
}

export function expectSameData(before: BoardState, after: BoardState): void {
  const changed = [...new Set([...before.manifest.keys(), ...after.manifest.keys()])].filter((f) => before.manifest.get(f) !== after.manifest.get(f));
  if (changed.length) throw new ProductFailure(`user data changed: ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ` and ${changed.length - 10} more` : ''}`, { phase: 'confirm' });
}

/** Waits for the failure event a refused or rejected image must give; then nothing may be left for otamgr. */
export async function expectRefusal(board: Board, kind: OtaEventKind, timeoutMs: number): Promise<OtaEvent> {
  const ev = await board.events.waitFor(kind, { phase: 'verify', timeoutMs, failOn: ['validated', 'sysupgrade-invoked'] });
  expect((await board.sh('ls /tmp/ota_type_5.img /tmp/ota_type_5.hdr 2>/dev/null; true')).trim(), 'image files handed to otamgr').toBe('');
  return ev;
}
