import { expect, type TestInfo } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from './board/load-profile.ts';
import type { BoardProfile } from './board/profile-schema.ts';
import type { BoardOptions } from './board/board-options.ts';
import { Board } from './board/board.ts';
import { SshSession } from './ssh/ssh-session.ts';
import { buildVboard, type VboardImage } from './vboard/build.ts';
import { QemuPower } from './power/qemu-power.ts';
import { powerFromProfile, withPowerCapabilities } from './power/power-from-profile.ts';
import { virtualLab, partnerLab, type Lab } from './suite/lab.ts';
import { attachOtaReport } from './report/attach-ota-report.ts';
import { readState, vboardRunDir, type VboardState } from './vboard/run-state.ts';
import { LabFault } from './errors.ts';
import { createLogger, wantsLiveLog } from './logger.ts';
import { test as base } from './suite/hil-test.ts';
import { phase, PHASE_MARGIN_MS } from './suite/phase.ts';
import { noteFailure, noteWorkerFailure } from './suite/failure-record.ts';
import { BOARD_ID_ANNOTATION } from './history/annotations.ts';
import { openLeaseStore } from './rack/open-store.ts';
import { matchingBoards, type RackBoard } from './rack/rack-inventory.ts';
import { describeWant, leaseHealthyBoard, leaseWaitMs, rackInventory, wantedTags, type LeasedBoard } from './rack/rack-board.ts';
import { bringToShell } from './rack/attach-strategy.ts';
import { bringBackBudgetMs, describeBroughtBack, healthOrBringBack } from './rack/bring-back.ts';
import type { LeaseStore } from './rack/lease-store.ts';
import type { Overrides } from './board/inventory.ts';

// The fixtures every OTA suite runs with, on any board project:
//  - `profile` (worker): the board profile of the project, lab values applied;
//  - `lab` (worker): the OTA service and the image builder;
//  - `board` (test): the board bound to console, SSH and power, booted to a known state, its
//    console followed into `board.events` from the first byte; at the end the transcript, the
//    OTA events and the timeline picture are attached to the report.
// Capabilities decide skips: `requires(board, 'power-cut')`. The OTA client is `lab.client`, the
// timeline is `board.events` (its `timeline()`), and the checks are the steps in
// harness/suite/ota-flow.ts, which take the board and the lab.
//
// A board that outlives the run (a rack board, or a virtual board kept by `hil vboard up`, named
// in HIL_VBOARD) is attached to per test, never rebooted by the fixture: so when Playwright
// restarts a worker after a failure, the next test finds the board as it was and re-attaches.
// Such a board is leased by its worker (`rack`, harness/rack/rack-board.ts): one board of the
// project's type (and HIL_BOARD_TAGS) from the lab inventory, in the store HIL_LEASE_STORE names,
// health-checked first, renewed while the worker lives, released when it ends; a kept virtual
// board is a one-board rack. Every test names its board (annotations board-id, board-tags). After
// a failed test (a lab fault, or a product failure such as an image that boots no slot), and
// when a leased board fails its health check, the board is brought back (harness/rack/bring-back.ts:
// health check; attach, power-cycle, the inventory's recovery command; health check again); only
// a board that stays sick goes out of service, and the next worker (Playwright starts one after a
// failure) leases another. A board whose test passed is not touched. With no board free within
// HIL_LEASE_WAIT, the worker's tests are skipped, naming who holds each board.
//
// Time: each OTA phase has the profile's budget and makes room for it in the test's timeout
// (harness/suite/phase.ts); a test starts with room for reaching a known state and one update.
// A failed test carries its class (lab fault, product failure) and phase as annotations
// (harness/suite/hil-test.ts), which the nightly summary reads.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Building the virtual board from Debian's packages the first time (about 20 s with a warm network; a slow mirror takes minutes). */
const VBOARD_BUILD_TIMEOUT_MS = 15 * 60_000;
/** Starting (and stopping) the lab OTA service and logging in to it: a local process, seconds. */
const LAB_SETUP_TIMEOUT_MS = 60_000;
/** Beyond the wait for a free board: health checks of the boards tried, and one at the end. */
const RACK_CHECKS_MS = 20 * 60_000;

/**
 * A worker fixture's setup (profile, lab, virtual board, lock): what fails there is the lab's,
 * noted for the failure annotations of the tests it fails (harness/suite/failure-record.ts).
 */
async function labSetup<T>(what: string, setUp: () => T | Promise<T>): Promise<T> {
  try {
    return await setUp();
  } catch (e) {
    noteWorkerFailure(e, what);
    throw e;
  }
}

/** A test's time before its phases ask for more: the known state and one whole update, each phase at its budget. */
export function testTimeoutFor(p: BoardProfile): number {
  const t = p.timeouts;
  return t.boot + 4 * t.command + t.publish + t.command + t.download + t.validate + t.handoff + t.install + t.reboot + t.confirm + PHASE_MARGIN_MS;
}

/** A worker's place in the rack: the board it leased, or why it has none. */
export interface RackWorker {
  store: LeaseStore;
  leased?: LeasedBoard;
  /** No board came free: what was waited for and who holds each board (the tests are skipped with it). */
  unavailable?: string;
  /** Leases a healthy board, waiting up to `waitMs`; sets `leased`, or `unavailable` with the reason. */
  lease(waitMs: number): Promise<void>;
  /** `unavailable` is the verdict of a whole wait that just ended (the next test is skipped with it, no second try). */
  justWaited: boolean;
}

interface WorkerFixtures {
  profile: BoardProfile;
  vboard: VboardImage | undefined;
  /** The running `hil vboard up` board named by HIL_VBOARD, when the virtual project attaches to one. */
  keptVboard: VboardState | undefined;
  lab: Lab;
  /** The lease of a board that outlives the run (undefined for a fresh virtual board). */
  rack: RackWorker | undefined;
}

interface TestFixtures {
  board: Board;
  /** Names the leased board in the test's annotations, or skips the test when the worker has none. */
  rackBoardNamed: void;
}

/** The profile of the project's board type, with `entry` (a rack board's own inventory entry) applied. */
async function boardTypeProfile(boardProfile: string, vboard: VboardImage | undefined, keptVboard: VboardState | undefined, entry?: { board: string; fields: Overrides }): Promise<BoardProfile> {
  // The virtual board's serial and SSH are known only once it runs: placeholders here, the
  // board fixture binds the real ones. A kept board's are known now.
  const env = vboard
    ? {
        ...process.env,
        HIL_VIRTUAL_SERIAL: keptVboard?.serial ?? '/dev/null',
        HIL_VIRTUAL_SSH_HOST: '127.0.0.1',
        ...(keptVboard ? { HIL_VIRTUAL_SSH_PORT: String(keptVboard.ssh.port) } : {}),
        HIL_VIRTUAL_SSH_KEY: vboard.clientKey,
        HIL_VIRTUAL_SSH_HOST_KEY: vboard.hostKeyFingerprint,
      }
    : process.env;
  const profile = (await loadProfile(path.resolve(root, boardProfile), { projectRoot: root, env, inventoryEntry: entry })).profile;
  // Its keeper owns QEMU: no power control from here. power-cut follows from the driver.
  return withPowerCapabilities(keptVboard ? { ...profile, power: { driver: 'none' } } : profile);
}

/** A board bound to the profile's console, SSH and power (a rack board `id`, or a kept virtual board). */
function attachedBoard(profile: BoardProfile, id: string, transcript: string, log: ReturnType<typeof createLogger>): Board {
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint }, { logger: log });
  return new Board(profile, ssh, powerFromProfile(profile, id), transcript, log);
}

/**
 * A leased rack board's health check on a Board of its own, brought back when it fails (see
 * bring-back.ts); its console transcript and log go in `dir`.
 */
async function healthOf(rackBoard: RackBoard, profile: BoardProfile, dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = `${rackBoard.id}-${Date.now()}`;
  const log = createLogger(path.join(dir, `${stamp}.harness.log`), 'debug', { live: wantsLiveLog() });
  const board = attachedBoard(profile, rackBoard.id, path.join(dir, `${stamp}.console.log`), log);
  try {
    const back = await healthOrBringBack(board, rackBoard);
    if (back.firstFailure) console.log(`[rack] ${rackBoard.id}: ${describeBroughtBack(back)}`);
    return back.health;
  } finally {
    await board.close();
    log.close();
  }
}

/** The rack's boards for this project: the inventory's of its type and tags, or the kept virtual board alone. */
function rackCandidates(boardProfile: string, keptVboard: VboardState | undefined): { boards: RackBoard[]; want: string; ownEntries: boolean } {
  if (keptVboard) return { boards: [{ id: `vboard-${keptVboard.name}`, type: 'virtual', tags: [], profile: {} }], want: `virtual board ${keptVboard.name} (HIL_VBOARD)`, ownEntries: false };
  const type = path.basename(boardProfile, '.ts');
  const tags = wantedTags();
  const inv = rackInventory(root);
  const boards = matchingBoards(inv, type, tags);
  if (!boards.length) {
    const where = inv.file ?? 'no lab inventory (lab-inventory.json or HIL_INVENTORY)';
    // No inventory entry at all: the board of the environment variables (HIL_<TYPE>_*), a one-board rack named after its type.
    if (!inv.boards.some((b) => b.type === type) && !tags.length) return { boards: [{ id: type, type, tags: [], profile: {} }], want: describeWant(type, tags), ownEntries: false };
    throw new LabFault(`no ${describeWant(type, tags)} in ${where} (boards there: ${inv.boards.map((b) => `${b.id} [${b.type}${b.tags.length ? `: ${b.tags.join(',')}` : ''}]`).join(', ') || 'none'})`, { phase: 'rack' });
  }
  // The per-type form's entry is the profile loader's own to read (and check); a rack board's is handed to it.
  return { boards, want: describeWant(type, tags), ownEntries: inv.rackForm };
}

/**
 * After a failed test on a rack board: brought back (bring-back.ts) on a Board of its own (fresh
 * console and SSH connections: the test's may outlive a dead sshd), its time on top of the
 * test's; noted in the test's harness log and annotations (`board-recovered`, or
 * `board-out-of-service` with the reason), and retired when it stays sick.
 */
async function bringBackAfterFailure(rack: RackWorker, testInfo: TestInfo, log: ReturnType<typeof createLogger>): Promise<void> {
  const leased = rack.leased!;
  const transcript = testInfo.outputPath('bring-back.console.log');
  const board = attachedBoard(leased.profile, leased.board.id, transcript, log);
  if (testInfo.timeout) testInfo.setTimeout(Math.max(testInfo.timeout, testInfo.project.timeout) + bringBackBudgetMs(board, leased.board));
  const back = await healthOrBringBack(board, leased.board)
    .catch((e: unknown) => {
      // Not the board's health (the store, a bug): its lease goes back as usual, the error is logged.
      log.error({ board: leased.board.id, err: (e as Error).message }, 'bringing the board back failed');
      return undefined;
    })
    .finally(() => board.close());
  if (fs.existsSync(transcript)) await testInfo.attach('bring-back console', { path: transcript, contentType: 'text/plain' });
  if (!back?.firstFailure) return;
  const what = describeBroughtBack(back);
  log.info({ board: leased.board.id, steps: back.steps, recoveryMs: back.recovery?.durationMs, recoveryLastLines: back.recovery?.lastLines, healthy: back.health.healthy }, what);
  if (back.health.healthy) {
    testInfo.annotations.push({ type: 'board-recovered', description: `${leased.board.id} ${what}` });
    return;
  }
  testInfo.annotations.push({ type: 'board-out-of-service', description: `${leased.board.id}: ${back.health.reason}` });
  console.log(`[rack] ${leased.board.id} is out of service: ${back.health.reason}`);
  await leased.held.retire(back.health.reason, back.health.lastLines);
  rack.leased = undefined;
}

export const test = base.extend<TestFixtures, WorkerFixtures & BoardOptions>({
  boardProfile: ['boards/virtual.ts', { option: true, scope: 'worker' }],

  vboard: [
    async ({ boardProfile }, use) => {
      await use(await labSetup('build the virtual board', () => (boardProfile.endsWith('virtual.ts') ? buildVboard(root, { log: (s) => console.log(s) }) : undefined)));
    },
    { scope: 'worker', timeout: VBOARD_BUILD_TIMEOUT_MS },
  ],

  keptVboard: [
    async ({ vboard }, use) => {
      const name = process.env.HIL_VBOARD;
      if (!vboard || !name) return use(undefined);
      const state = await labSetup('attach to the board', () => {
        const s = readState(root, name);
        if (!s) throw new LabFault(`HIL_VBOARD=${name}: no virtual board of that name is up (start it with: hil vboard up --name ${name})`, { phase: 'attach to the board' });
        return s;
      });
      await use(state);
    },
    { scope: 'worker' },
  ],

  rack: [
    async ({ boardProfile, vboard, keptVboard }, use, workerInfo) => {
      // A fresh virtual board is this test's own QEMU: nothing to share.
      if (vboard && !keptVboard) return use(undefined);
      const healthDir = path.join(workerInfo.project.outputDir, 'rack-health');
      const { boards, want, ownEntries } = await labSetup('lease a board', () => rackCandidates(boardProfile, keptVboard));
      const store = await labSetup('lease a board', () => openLeaseStore(process.env.HIL_LEASE_STORE, root));
      const who = `${workerInfo.project.name} worker ${workerInfo.parallelIndex}`;
      const worker: RackWorker = {
        store,
        justWaited: false,
        async lease(waitMs) {
          const outcome = await leaseHealthyBoard({
            store,
            boards,
            want,
            job: process.env.HIL_JOB ?? who,
            waitMs,
            profileOf: (b) => boardTypeProfile(boardProfile, vboard, keptVboard, ownEntries ? { board: b.id, fields: b.profile } : undefined),
            check: (b, profile) => healthOf(b, profile, healthDir),
          });
          if ('none' in outcome) {
            const retired = outcome.retired.length ? `; out of service now: ${outcome.retired.join('; ')}` : '';
            worker.unavailable = `${outcome.none.text}${retired}`;
            worker.justWaited = waitMs > 0;
            console.log(`[rack] ${who}: ${worker.unavailable}`);
            return;
          }
          worker.leased = outcome.leased;
          worker.unavailable = undefined;
          const b = outcome.leased.board;
          console.log(`[rack] ${who} (pid ${process.pid}) leased ${b.id}${b.tags.length ? ` [${b.tags.join(',')}]` : ''} from ${store.description}`);
        },
      };
      await labSetup('lease a board', () => worker.lease(leaseWaitMs())).catch(async (e: unknown) => {
        await store.close();
        throw e;
      });
      try {
        await use(worker);
      } finally {
        // A board that stayed sick after a failed test was retired by the board fixture (no lease left).
        try {
          await worker.leased?.held.release();
        } finally {
          await worker.store.close();
        }
      }
    },
    { scope: 'worker', timeout: leaseWaitMs() + RACK_CHECKS_MS },
  ],

  profile: [
    async ({ boardProfile, vboard, keptVboard, rack }, use) => {
      if (rack?.leased) return use(rack.leased.profile);
      await use(await labSetup('load the board profile', () => boardTypeProfile(boardProfile, vboard, keptVboard)));
    },
    { scope: 'worker' },
  ],

  lab: [
    async ({ boardProfile, vboard, keptVboard }, use) => {
      const lab = await labSetup('start the lab', () =>
        keptVboard
          ? virtualLab(vboard!, { port: Number(new URL(keptVboard.otaService).port), serviceDir: path.join(vboardRunDir(root, keptVboard.name), 'lab-service') })
          : vboard
            ? virtualLab(vboard)
            : partnerLab(process.env, { projectRoot: root, board: path.basename(boardProfile, '.ts') }),
      );
      await use(lab);
      await lab.close();
    },
    { scope: 'worker', timeout: LAB_SETUP_TIMEOUT_MS },
  ],

  rackBoardNamed: [
    async ({ rack }, use, testInfo) => {
      // A worker that waited in vain tries once more for each test (a board may have come free
      // since), without waiting again: its tests are skipped at once while the rack stays full.
      if (rack?.unavailable && !rack.justWaited) await rack.lease(0);
      if (rack) rack.justWaited = false;
      if (rack?.unavailable) testInfo.skip(true, rack.unavailable);
      const b = rack?.leased?.board;
      if (b) {
        testInfo.annotations.push({ type: BOARD_ID_ANNOTATION, description: b.id });
        if (b.tags.length) testInfo.annotations.push({ type: 'board-tags', description: b.tags.join(',') });
      }
      await use();
    },
    { auto: true },
  ],

  // No timeout of its own: the board's setup counts in the test's time (testTimeoutFor). The
  // board's lease is held by the worker while its tests use the board.
  board: [
    async ({ profile, vboard, keptVboard, lab, rack }, use, testInfo) => {
      testInfo.setTimeout(testTimeoutFor(profile));
      const transcript = testInfo.outputPath('console.log');
      const logFile = testInfo.outputPath('harness.log');
      const log = createLogger(logFile, 'debug', { live: wantsLiveLog() });
      const fresh = vboard && !keptVboard;
      let board: Board;
      if (fresh) {
        const power = new QemuPower({ baseImage: vboard.disk, runDir: testInfo.outputPath('board'), otaServiceUrl: lab.serviceUrl });
        await power.prepare().catch((e: unknown) => {
          noteFailure(testInfo, e, { phase: 'boot to a known state', otherwise: 'lab-fault' });
          throw e;
        });
        const ssh = new SshSession({ host: '127.0.0.1', port: power.sshPort, user: profile.ssh.user, privateKeyPath: vboard.clientKey, hostKeyFingerprint: vboard.hostKeyFingerprint }, { logger: log });
        board = new Board(profile, ssh, power, transcript, log);
      } else {
        board = attachedBoard(profile, rack?.leased?.board.id ?? profile.name, transcript, log);
      }
      const boardId = rack?.leased?.board.id ?? profile.name;
      const o = { log, board: boardId, lastLines: () => board.events.lastLines() };
      if (rack?.leased) log.info({ board: boardId, tags: rack.leased.board.tags, type: profile.name, lease: rack.store.description }, 'rack board');
      // The lease lost under the test (forced free, the store gone): the board may be someone else's now.
      const onLost = () => void board.closeConsole().catch(() => undefined);
      rack?.leased?.held.signal.addEventListener('abort', onLost, { once: true });
      let setUp = false;
      try {
        // A failed start still ends with the board released and its transcript in the report.
        if (fresh) {
          // A known state: the pristine image on a fresh overlay, powered on, logged in.
          await phase(
            'boot to a known state',
            profile.timeouts.boot,
            async (d) => {
              await board.powerOn();
              await board.waitForShell(d);
            },
            o,
          );
        } else {
          // A rack board is not rebooted needlessly: attached to in a shell with no update under
          // way; power-cycled only when it does not answer (or is mid-update) and power allows.
          await phase('attach to the board', profile.timeouts.boot, (d) => bringToShell(board, boardId, d), o);
        }
        if (rack?.leased?.held.lost) throw rack.leased.held.signal.reason;
        setUp = true;
        await use(board);
        if (rack?.leased?.held.lost) throw rack.leased.held.signal.reason;
      } finally {
        rack?.leased?.held.signal.removeEventListener('abort', onLost);
        await board.close();
        const failed = !setUp || testInfo.status === 'failed' || testInfo.status === 'timedOut';
        if (failed && rack?.leased && !rack.leased.held.lost) await bringBackAfterFailure(rack, testInfo, log);
        log.close();
        await attachOtaReport(testInfo, board, transcript);
        if (fs.existsSync(logFile)) await testInfo.attach('harness log', { path: logFile, contentType: 'application/x-ndjson' });
      }
    },
    {},
  ],
});

/** Skips the test, with the reason shown, when the board lacks a capability. */
export function requires(board: Board, capability: BoardProfile['capabilities'][number]): void {
  test.skip(!board.has(capability), `${board.profile.name} has no ${capability} capability`);
}

export { expect };
