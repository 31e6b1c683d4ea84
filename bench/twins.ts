import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadProfile } from '../harness/board/load-profile.ts';
import { Board } from '../harness/board/board.ts';
import { SshSession } from '../harness/ssh/ssh-session.ts';
import { CommandPower, type PowerCommands } from '../harness/power/command-power.ts';
import { partnerLab } from '../harness/suite/lab.ts';
import { readRackInventory } from '../harness/rack/rack-inventory.ts';
import { recoverBoard } from '../harness/rack/recovery.ts';
import { noteState, update, expectUpdated } from '../harness/suite/ota-flow.ts';
import { twinNames, type TwinName } from '../harness/vboard/build-twin.ts';

// Each board twin as the rack sees it (`hil vboard up --twin` with a lab inventory): the time `up`
// takes, a re-image (the inventory's recovery command, between power off and on), power-on to
// the login prompt and to SSH through the `command` driver, and one full update through the
// twin's own lab service, with the real profile. One twin at a time: one QEMU within the bench.

export interface TwinBench {
  upS: number;
  reimageS: number;
  powerOnToShellS: number;
  powerOnToSshS: number;
  fullUpdateS: number;
}

const run = promisify(execFile);
const now = () => performance.now();
const seconds = (since: number) => Number(((now() - since) / 1000).toFixed(2));

export async function benchTwin(root: string, twin: TwinName): Promise<TwinBench> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-twin-bench-'));
  const inventory = path.join(scratch, 'lab.json');
  const name = `bench-${twin}`;
  const hil = (...args: string[]) => run(process.execPath, [path.join(root, 'bin', 'hil.js'), 'vboard', ...args], { cwd: root, timeout: 15 * 60_000 });
  let t = now();
  await hil('up', '--twin', twin, '--name', name, '--inventory', inventory);
  const upS = seconds(t);
  let board: Board | undefined;
  try {
    const entry = readRackInventory(inventory).boards.find((b) => b.id === name)!;
    const { profile } = await loadProfile(`boards/${twin}.ts`, { projectRoot: root, inventoryEntry: { board: name, fields: entry.profile } });
    const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
    board = new Board(profile, ssh, new CommandPower(profile.power as PowerCommands), path.join(scratch, 'console.log'));
    await board.openConsole();
    await board.cutPower();
    t = now();
    await recoverBoard(entry);
    const reimageS = seconds(t);
    await board.powerOn();
    t = now();
    const sshUp = ssh.waitUntilUp({ timeoutMs: profile.timeouts.boot, phase: 'boot' }).then(() => seconds(t));
    await board.console.expect(new RegExp(profile.login.loginPrompt, 'm'), { timeoutMs: profile.timeouts.boot, phase: 'boot' });
    const powerOnToShellS = seconds(t);
    const powerOnToSshS = await sshUp;
    await board.loginAndFollow('boot', { sinceBoot: true });
    const lab = partnerLab({ ...process.env, HIL_INVENTORY: inventory }, { projectRoot: root, board: twin });
    try {
      t = now();
      const before = await noteState(board, { sentinel: true });
      const image = await lab.publish('rootfs', `bench: ${twin} twin`);
      await update(board, lab, image);
      await expectUpdated(board, before, image);
      return { upS, reimageS, powerOnToShellS, powerOnToSshS, fullUpdateS: seconds(t) };
    } finally {
      await lab.close();
    }
  } finally {
    await board?.close();
    await hil('down', '--name', name);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every twin, one after the other. */
export async function benchTwins(root: string, line: (s: string) => void): Promise<Record<TwinName, TwinBench>> {
  const out = {} as Record<TwinName, TwinBench>;
  for (const twin of twinNames) {
    const b = await benchTwin(root, twin);
    out[twin] = b;
    line(`  ${twin.padEnd(8)} up ${b.upS} s   re-image ${b.reimageS} s   power-on to login prompt ${b.powerOnToShellS} s, to SSH ${b.powerOnToSshS} s   one full update ${b.fullUpdateS} s`);
  }
  return out;
}
