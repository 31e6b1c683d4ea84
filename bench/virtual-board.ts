import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVboard } from '../harness/vboard/build.ts';
import { loadProfile } from '../harness/board/load-profile.ts';
import { Board } from '../harness/board/board.ts';
import { SshSession } from '../harness/ssh/ssh-session.ts';
import { QemuPower } from '../harness/power/qemu-power.ts';
import { virtualLab } from '../harness/suite/lab.ts';
import { noteState, update, expectUpdated } from '../harness/suite/ota-flow.ts';

// The virtual board's figures: build cold (into a scratch folder) and warm (the cache), power-on
// to shell prompt and to SSH, reboot to SSH; and scenario 1's wall time split into device time
// (awaiting the board: console, events, SSH) and the harness's own work.

export interface VboardBench {
  buildColdS: number;
  buildWarmS: number;
  powerOnToShellS: number;
  powerOnToSshS: number;
  rebootToSshS: number;
  scenario1: { wallS: number; deviceS: number; harnessS: number; harnessPercent: number };
}

const now = () => performance.now();

/** Wraps each awaiting method of `obj` so the time spent in it counts as device time. */
function countAwaits(obj: object, methods: string[], acc: { ms: number; depth: number; since: number }): void {
  for (const m of methods) {
    const o = obj as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const orig = o[m].bind(obj);
    o[m] = async (...a: unknown[]) => {
      if (acc.depth++ === 0) acc.since = now();
      try {
        return await orig(...a);
      } finally {
        if (--acc.depth === 0) acc.ms += now() - acc.since;
      }
    };
  }
}

export async function benchVirtualBoard(root: string): Promise<VboardBench> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-vb-bench-'));
  try {
    let t = now();
    execFileSync('bash', [path.join(root, 'boards/virtual/build.sh'), path.join(scratch, 'cold')], { stdio: 'ignore' });
    const buildColdS = (now() - t) / 1000;
    buildVboard(root);
    t = now();
    const img = buildVboard(root);
    const buildWarmS = (now() - t) / 1000;

    const lab = await virtualLab(img);
    const env = { ...process.env, HIL_VIRTUAL_SERIAL: '/dev/null', HIL_VIRTUAL_SSH_HOST: '127.0.0.1', HIL_VIRTUAL_SSH_KEY: img.clientKey, HIL_VIRTUAL_SSH_HOST_KEY: img.hostKeyFingerprint };
    const { profile } = await loadProfile(path.join(root, 'boards/virtual.ts'), { projectRoot: root, env });
    const power = new QemuPower({ baseImage: img.disk, runDir: path.join(scratch, 'board'), otaServiceUrl: lab.serviceUrl });
    await power.prepare();
    const ssh = new SshSession({ host: '127.0.0.1', port: power.sshPort, user: 'root', privateKeyPath: img.clientKey, hostKeyFingerprint: img.hostKeyFingerprint });
    const board = new Board(profile, ssh, power, path.join(scratch, 'console.log'));
    try {
      await board.powerOn();
      t = now();
      const sshUp = ssh.waitUntilUp({ timeoutMs: 120_000, phase: 'boot' }).then(() => (now() - t) / 1000);
      await board.console.expect(/login: *$/m, { timeoutMs: 120_000, phase: 'boot' });
      const powerOnToShellS = (now() - t) / 1000;
      const powerOnToSshS = await sshUp;
      await board.loginAndFollow('boot');
      // The power-on's own bootloader line and login prompt are history for the reboot's waits.
      board.events.skipPending();
      board.console.skipPending();
      t = now();
      await ssh.exec('reboot', { timeoutMs: 10_000 }).catch(() => undefined);
      await board.events.waitFor('bootloader', { timeoutMs: 60_000, phase: 'reboot' });
      ssh.close();
      await ssh.waitUntilUp({ timeoutMs: 120_000, phase: 'reboot' });
      const rebootToSshS = (now() - t) / 1000;
      await board.waitForShell('reboot');

      const acc = { ms: 0, depth: 0, since: 0 };
      // Logging in and starting the log follower is waiting on the board too (its prompt, and its
      // busybox tail, which reads the log once a second, echoing the readiness marker).
      countAwaits(board, ['waitForShell', 'loginAndFollow'], acc);
      countAwaits(board.console, ['expect', 'run', 'login'], acc);
      countAwaits(board.events, ['waitFor'], acc);
      countAwaits(ssh, ['exec', 'waitUntilUp'], acc);
      t = now();
      const before = await noteState(board, { sentinel: true });
      const image = await lab.publish('rootfs', 'bench: scenario 1');
      await update(board, lab, image);
      await expectUpdated(board, before, image);
      const wallS = (now() - t) / 1000;
      const deviceS = acc.ms / 1000;
      const harnessS = wallS - deviceS;
      return { buildColdS, buildWarmS, powerOnToShellS, powerOnToSshS, rebootToSshS, scenario1: { wallS, deviceS, harnessS, harnessPercent: (harnessS / wallS) * 100 } };
    } finally {
      await board.close();
      await lab.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
