import { expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import type { Board, Slot } from '../board/board.ts';
import type { OtaEvent } from '../logs/parse.ts';
import type { OtaEventKind } from '../logs/catalog.ts';
import type { OtaEventLog } from '../logs/event-log.ts';
import type { Lab, ImageVariant } from './lab.ts';
import type { PublishedImage } from '../ota/publish.ts';
import type { Deadline } from '../wait/deadline.ts';
import { ProductFailure } from '../errors.ts';
import { phase, type PhaseOptions } from './phase.ts';

// The steps the scenarios are written in: note the board's state, publish and push an image,
// follow the update phase by phase on the console, and check the outcome. Each phase (download,
// verify, handoff, install, reboot, confirm) is one report step with one deadline from the
// profile's budget, shared by the waits inside it. A failed check is a product failure; a board
// that cannot be reached is a lab fault (raised by the console and SSH code).

export { phase };

export interface BoardState {
  slot: Slot;
  version: string;
  manifest: Map<string, string>;
}

/** The board's lines in the harness log, and its name there. */
function on(board: Board): PhaseOptions {
  return { log: board.log, board: board.profile.name, lastLines: () => board.events.lastLines() };
}

/** A phase of a scenario's own (a power cut, a rollback), on the board: its steps in the report and the harness log. */
export function inPhase<T>(board: Board, name: string, budgetMs: number, body: (deadline: Deadline) => Promise<T>): Promise<T> {
  return phase(name, budgetMs, body, on(board));
}

/** The next OTA event of `kinds`, within what is left of the phase. */
export function awaitEvent(events: OtaEventLog, kinds: OtaEventKind | OtaEventKind[], deadline: Deadline, failOn?: OtaEventKind[]): Promise<OtaEvent> {
  return events.waitFor(kinds, { deadline, failOn });
}

async function readState(board: Board, deadline: Deadline, sentinel?: string): Promise<BoardState> {
  const manifest = await board.dataManifest(sentinel, deadline);
  return { slot: await board.activeSlot(), version: await board.recordVersion(deadline), manifest };
}

/** Slot, running version and user-data manifest; `sentinel`: write a fresh sentinel file first. */
export function noteState(board: Board, o: { sentinel?: boolean } = {}): Promise<BoardState> {
  // Four commands: the sentinel, the manifest, the slot, the record.
  return phase('note the board state', 4 * board.profile.timeouts.command, (d) => readState(board, d, o.sentinel ? `hil-${Date.now()}-${randomBytes(6).toString('hex')}` : undefined), on(board));
}

/** Makes an image for a new OTA record and uploads it: the lab's work, so any failure is a lab fault. */
export function publish(board: Board, lab: Lab, variant: ImageVariant, label: string): Promise<PublishedImage> {
  return phase('publish', board.profile.timeouts.publish, (d) => lab.publish(variant, label, { deadline: d }), { ...on(board), otherwise: 'lab-fault' });
}

export function push(board: Board, lab: Lab, image: PublishedImage, labFault?: string): Promise<void> {
  return phase(
    'push',
    board.profile.timeouts.command,
    async () => {
      // A new push: what the console and the event log showed before is history for the waits.
      board.events.skipPending();
      board.console.skipPending();
      board.log.info({ imageId: image.image.id, versionNumber: image.record.versionNumber, deviceId: board.profile.deviceId, labFault }, 'push');
      await lab.client.push(image.image.id, board.profile.deviceId, labFault ? { labFault } : {});
    },
    { ...on(board), otherwise: 'lab-fault' },
  );
}

/** hubby is offered `versionNumber` and downloads it. */
export function download(events: OtaEventLog, versionNumber: string, budgetMs: number, o: PhaseOptions = {}): Promise<void> {
  return phase(
    'download',
    budgetMs,
    async (d) => {
      const allowed = await awaitEvent(events, 'ota-allowed', d);
      expect(allowed.fields.versionNumber, 'hubby was offered the pushed versionNumber').toBe(versionNumber);
      await awaitEvent(events, 'download-done', d);
    },
    o,
  );
}

/** hubby validates the downloaded image (header, size, signature, sha256). */
export function verify(events: OtaEventLog, budgetMs: number, o: PhaseOptions = {}): Promise<void> {
  return phase('verify', budgetMs, async (d) => void (await awaitEvent(events, 'validated', d)), o);
}

/** hubby hands the image to otamgr, which calls sysupgrade with it. */
export function handoff(events: OtaEventLog, budgetMs: number, o: PhaseOptions = {}): Promise<void> {
  return phase(
    'handoff',
    budgetMs,
    async (d) => {
      const attr = await awaitEvent(events, 'upgrade-path-set', d);
      expect(attr.fields.path, 'the upgrade path attrd was given').toBe('/tmp/ota_type_5');
      await awaitEvent(events, 'otamgr-notified', d);
      const call = await awaitEvent(events, 'sysupgrade-invoked', d);
      expect(call.fields.path, 'the image otamgr gave sysupgrade').toBe('/tmp/ota_type_5.img');
    },
    o,
  );
}

/** sysupgrade writes the other slot and the board restarts. */
export function install(events: OtaEventLog, budgetMs: number, o: PhaseOptions = {}): Promise<void> {
  return phase('install', budgetMs, async (d) => void (await awaitEvent(events, 'reboot', d)), o);
}

/** Follows a good update from the push to the sysupgrade call; returns when sysupgrade runs. */
export async function followToSysupgrade(board: Board, image: PublishedImage): Promise<void> {
  const t = board.profile.timeouts;
  await download(board.events, image.record.versionNumber, t.download, on(board));
  await verify(board.events, t.validate, on(board));
  await handoff(board.events, t.handoff, on(board));
}

/** From the sysupgrade call through the reboot to a logged-in shell on the new system. */
export async function followRebootToShell(board: Board): Promise<void> {
  const t = board.profile.timeouts;
  await install(board.events, t.install, on(board));
  // The first login after the boot follows this boot's log from its start (the profile's
  // logs.sinceBootCommand): hubby's start line, often written before the login, is seen too.
  await phase('reboot', t.reboot, (d) => board.waitForShell(d), on(board));
}

/** A whole good update: push, every phase in order, reboot, shell. */
export async function update(board: Board, lab: Lab, image: PublishedImage): Promise<void> {
  await push(board, lab, image);
  await followToSysupgrade(board, image);
  await followRebootToShell(board);
}

/** /etc/ota_type_5.hdr, the installed image's signed header, is there and whole (216 bytes). */
async function checkHeader(board: Board, deadline: Deadline): Promise<void> {
  const size = await board.check('test -s /etc/ota_type_5.hdr && wc -c < /etc/ota_type_5.hdr', "/etc/ota_type_5.hdr (the installed image's OTA header) is missing or empty", { deadline });
  expect(size.trim(), 'size of /etc/ota_type_5.hdr in bytes').toBe('216');
}

/** The board runs `image` from the other slot, says so in both places, and kept its data. */
export function expectUpdated(board: Board, before: BoardState, image: PublishedImage): Promise<BoardState> {
  return phase(
    'confirm',
    board.profile.timeouts.confirm,
    async (d) => {
      const want = image.record.versionNumber;
      const started = await awaitEvent(board.events, 'running-version', d);
      const after = await readState(board, d);
      const other: Slot = before.slot === 'A' ? 'B' : 'A';
      if (after.slot !== other) throw new ProductFailure(`no slot switch: still on slot ${after.slot} after the update to versionNumber ${want}`, { phase: 'confirm' });
      expect(after.version, '/etc/full_ota_record.json versionNumber').toBe(want);
      expect(started.fields.versionNumber, "hubby's 'running hub version' line after the reboot").toBe(want);
      await checkHeader(board, d);
      expectSameData(before, after);
      return after;
    },
    on(board),
  );
}

/** Nothing changed: same slot, same version, same data. */
export function expectUnchanged(board: Board, before: BoardState): Promise<void> {
  return phase(
    'confirm',
    board.profile.timeouts.confirm,
    async (d) => {
      const now = await readState(board, d);
      expect(now.slot, 'active slot').toBe(before.slot);
      expect(now.version, 'running versionNumber').toBe(before.version);
      expectSameData(before, now);
    },
    on(board),
  );
}

export function expectSameData(before: BoardState, after: BoardState): void {
  const changed = [...new Set([...before.manifest.keys(), ...after.manifest.keys()])].filter((f) => before.manifest.get(f) !== after.manifest.get(f));
  if (changed.length) throw new ProductFailure(`user data changed: ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ` and ${changed.length - 10} more` : ''}`, { phase: 'confirm' });
}

/** Waits for the failure event a refused or rejected image must give; then nothing may be left for otamgr. */
export function expectRefusal(board: Board, kind: OtaEventKind, budgetMs: number): Promise<OtaEvent> {
  return phase(
    'verify',
    budgetMs,
    async (d) => {
      const ev = await awaitEvent(board.events, kind, d, ['validated', 'sysupgrade-invoked']);
      expect((await board.sh('ls /tmp/ota_type_5.img /tmp/ota_type_5.hdr 2>/dev/null; true', 'verify', d)).trim(), 'image files handed to otamgr').toBe('');
      return ev;
    },
    on(board),
  );
}
