import { test as base, expect } from '@playwright/test';
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

// The fixtures every OTA suite runs with, on any board project:
//  - `profile` (worker): the board profile of the project, lab values applied;
//  - `lab` (worker): the OTA service and the image builder;
//  - `board` (test): the board bound to console, SSH and power, booted to a known state, its
//    console followed into `board.events` from the first byte; at the end the transcript, the
//    OTA events and the timeline picture are attached to the report.
// Capabilities decide skips: `requires(board, 'power-cut')`.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface WorkerFixtures {
  profile: BoardProfile;
  vboard: VboardImage | undefined;
  lab: Lab;
}

interface TestFixtures {
  board: Board;
}

export const test = base.extend<TestFixtures, WorkerFixtures & BoardOptions>({
  boardProfile: ['boards/virtual.ts', { option: true, scope: 'worker' }],

  vboard: [
    async ({ boardProfile }, use) => {
      await use(boardProfile.endsWith('virtual.ts') ? buildVboard(root, { log: (s) => console.log(s) }) : undefined);
    },
    { scope: 'worker', timeout: 15 * 60_000 },
  ],

  profile: [
    async ({ boardProfile, vboard }, use) => {
      // The virtual board's serial and SSH are known only once it runs: placeholders here, the
      // board fixture binds the real ones.
      const env = vboard
        ? { ...process.env, HIL_VIRTUAL_SERIAL: '/dev/null', HIL_VIRTUAL_SSH_HOST: '127.0.0.1', HIL_VIRTUAL_SSH_KEY: vboard.clientKey, HIL_VIRTUAL_SSH_HOST_KEY: vboard.hostKeyFingerprint }
        : process.env;
      await use((await loadProfile(path.join(root, boardProfile), { projectRoot: root, env })).profile);
    },
    { scope: 'worker' },
  ],

  lab: [
    async ({ vboard }, use) => {
      const lab = vboard ? await virtualLab(vboard) : partnerLab();
      await use(lab);
      await lab.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  board: [
    async ({ profile, vboard, lab }, use, testInfo) => {
      const transcript = testInfo.outputPath('console.log');
      let board: Board;
      if (vboard) {
        const power = new QemuPower({ baseImage: vboard.disk, runDir: testInfo.outputPath('board'), otaServiceUrl: lab.serviceUrl });
        await power.prepare();
        const ssh = new SshSession({ host: '127.0.0.1', port: power.sshPort, user: profile.ssh.user, privateKeyPath: vboard.clientKey, hostKeyFingerprint: vboard.hostKeyFingerprint });
        board = new Board(profile, ssh, power, transcript);
        // A known state: the pristine image on a fresh overlay, powered on, logged in.
        await board.powerOn();
        await board.waitForShell('boot to a known state');
      } else {
        const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
        board = new Board(profile, ssh, noPower, transcript);
        // A rack board is not rebooted needlessly: attach, log in, check nothing is pending.
        await board.openConsole();
        await board.loginAndFollow('attach to the board');
      }
      try {
        await use(board);
      } finally {
        await board.close();
        await attachOtaReport(testInfo, board, transcript);
      }
    },
    { timeout: 5 * 60_000 },
  ],
});

/** Skips the test, with the reason shown, when the board lacks a capability. */
export function requires(board: Board, capability: BoardProfile['capabilities'][number]): void {
  test.skip(!board.has(capability), `${board.profile.name} has no ${capability} capability`);
}

export { expect };
