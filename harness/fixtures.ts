import { expect } from '@playwright/test';
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
import { noPower } from './power/power-driver.ts';
import { virtualLab, partnerLab, type Lab } from './suite/lab.ts';
import { attachOtaReport } from './report/attach-ota-report.ts';
import { readState, vboardRunDir, type VboardState } from './vboard/run-state.ts';
import { LabFault } from './errors.ts';
import { createLogger, wantsLiveLog } from './logger.ts';
import { test as base } from './suite/hil-test.ts';
import { phase, PHASE_MARGIN_MS } from './suite/phase.ts';
import { lockBoard, type BoardLock } from './suite/board-lock.ts';
import { noteFailure, noteWorkerFailure } from './suite/failure-record.ts';

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
// Such a board is locked by its worker (`boardLock`): two workers never share one board.
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

interface WorkerFixtures {
  profile: BoardProfile;
  vboard: VboardImage | undefined;
  /** The running `hil vboard up` board named by HIL_VBOARD, when the virtual project attaches to one. */
  keptVboard: VboardState | undefined;
  lab: Lab;
  /** The lock of a board that outlives the run, held by this worker while it uses the board. */
  boardLock: BoardLock | undefined;
}

interface TestFixtures {
  board: Board;
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

  profile: [
    async ({ boardProfile, vboard, keptVboard }, use) => {
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
      const profile = await labSetup('load the board profile', async () => (await loadProfile(path.join(root, boardProfile), { projectRoot: root, env })).profile);
      // Its keeper owns QEMU: no power control from here, so no power cuts.
      await use(keptVboard ? { ...profile, power: { driver: 'none' }, capabilities: profile.capabilities.filter((c) => c !== 'power-cut') } : profile);
    },
    { scope: 'worker' },
  ],

  lab: [
    async ({ vboard, keptVboard }, use) => {
      const lab = await labSetup('start the lab', () =>
        keptVboard
          ? virtualLab(vboard!, { port: Number(new URL(keptVboard.otaService).port), serviceDir: path.join(vboardRunDir(root, keptVboard.name), 'lab-service') })
          : vboard
            ? virtualLab(vboard)
            : partnerLab(),
      );
      await use(lab);
      await lab.close();
    },
    { scope: 'worker', timeout: LAB_SETUP_TIMEOUT_MS },
  ],

  boardLock: [
    async ({ profile, vboard, keptVboard }, use, workerInfo) => {
      // A fresh virtual board is this test's own QEMU: nothing to share.
      if (vboard && !keptVboard) return use(undefined);
      const lock = await labSetup('attach to the board', () => lockBoard(profile.name, `${profile.ssh.host}:${profile.ssh.port}`, { holder: `${workerInfo.project.name} worker ${workerInfo.workerIndex} (pid ${process.pid})` }));
      try {
        await use(lock);
      } finally {
        lock.release();
      }
    },
    { scope: 'worker' },
  ],

  // No timeout of its own: the board's setup counts in the test's time (testTimeoutFor). The
  // board lock is held by the worker while its tests use the board.
  board: [
    async ({ profile, vboard, keptVboard, lab, boardLock: _held }, use, testInfo) => {
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
        const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint }, { logger: log });
        board = new Board(profile, ssh, noPower, transcript, log);
      }
      const o = { log, board: profile.name, lastLines: () => board.events.lastLines() };
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
          // A rack board is not rebooted needlessly: attach, log in, check no update is under way.
          await phase(
            'attach to the board',
            profile.timeouts.boot,
            async (d) => {
              await board.openConsole();
              await board.loginAndFollow(d);
              await board.expectNoUpdateUnderWay();
            },
            o,
          );
        }
        await use(board);
      } finally {
        await board.close();
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
