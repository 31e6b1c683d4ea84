import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadProfile } from '../../harness/board/load-profile.ts';
import { Board } from '../../harness/board/board.ts';
import { SshSession } from '../../harness/ssh/ssh-session.ts';
import { CommandPower } from '../../harness/power/command-power.ts';
import { ProductFailure } from '../../harness/errors.ts';
import { partnerLab } from '../../harness/suite/lab.ts';

// The board twins reached as rack boards are: `vboard up --twin` adds one to a lab inventory, and
// the real profile (boards/sama5d2.ts, boards/bbgw.ts, unchanged) with that inventory logs in with
// the password over ser2net, reads the active slot its own way, and switches the power through the
// `command` driver. One QEMU at a time: these tests run one after the other.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const hilVboard = (...args: string[]) => run(process.execPath, [path.join(root, 'bin', 'hil.js'), 'vboard', ...args], { cwd: root, timeout: 15 * 60_000 });

interface TwinUp {
  serial: string;
  passwordFile: string;
  power: { on: string; off: string; cycle: string; status: string };
  otaService: string;
  lab: { otaConf: string; build: string; variants: string[] };
}

async function attach(board: 'sama5d2' | 'bbgw', name: string, inventory: string, transcript: string): Promise<{ b: Board; up: TwinUp; power: CommandPower }> {
  const up = JSON.parse((await hilVboard('up', '--twin', board, '--name', name, '--inventory', inventory, '--json')).stdout) as TwinUp;
  // Only the inventory: the password from its file, no HIL_<BOARD>_* variable.
  const { [`HIL_${board.toUpperCase()}_PASSWORD`]: _unset, ...env } = process.env;
  const { profile } = await loadProfile(`boards/${board}.ts`, { projectRoot: root, env: { ...env, HIL_INVENTORY: inventory } });
  expect(profile.serial.port).toBe(up.serial);
  expect(profile.login.password).toEqual({ file: up.passwordFile });
  // The twin's own lab service answers with the conf the inventory names, and says it is a lab service.
  const lab = partnerLab({ HIL_INVENTORY: inventory }, { projectRoot: root, board });
  await lab.client.logIn();
  expect(lab.canDamageDownloads).toBe(true);
  expect([lab.canBuild('rootfs-no-init'), lab.canBuild('rootfs-random-kernel')]).toEqual([true, true]);
  expect(JSON.parse(fs.readFileSync(inventory, 'utf8')).lab[board].otaConf).toBe(up.lab.otaConf);
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  const power = new CommandPower(up.power);
  const b = new Board(profile, ssh, power, transcript);
  await b.openConsole();
  await b.loginAndFollow('attach to the twin');
  return { b, up, power };
}

async function detach(b: Board | undefined, name: string, inventory: string, board: string): Promise<void> {
  await b?.close();
  const service = await hilVboard('status', '--name', name, '--json').then((r) => JSON.parse(r.stdout).otaService as string, () => undefined);
  await hilVboard('down', '--name', name);
  const inv = JSON.parse(fs.readFileSync(inventory, 'utf8'));
  expect(inv[board], 'the inventory entry after down').toBeUndefined();
  expect(inv.lab?.[board], 'the lab values after down').toBeUndefined();
  if (service) expect(await fetch(service).then(() => 'answered', (e: Error) => (e.cause as NodeJS.ErrnoException | undefined)?.code), "the twin's lab service after down").toBe('ECONNREFUSED');
}

test('sama5d2 twin: password login over ser2net, boot_part A on mmcblk0p2, power off and on through the command driver', async ({}, testInfo) => {
  test.setTimeout(10 * 60_000);
  const inventory = testInfo.outputPath('lab-inventory.json');
  let b: Board | undefined;
  try {
    const t = await attach('sama5d2', 'twin-test-sama5d2', inventory, testInfo.outputPath('console.log'));
    b = t.b;
    expect(await b.activeSlot()).toBe('A');
    expect(await b.sh('cat /proc/cmdline')).toContain('root=/dev/mmcblk0p2');
    expect(await b.sh("grep ' /afero_nv ' /proc/mounts")).toMatch(/^\/dev\/mmcblk0p4 /);
    expect(await b.sh('fw_printenv bootcount bootlimit upgrade_available')).toBe('bootcount=0\nbootlimit=2\nupgrade_available=0\n');
    expect(await t.power.status()).toBe('on');
    await b.cutPower();
    expect(await t.power.status()).toBe('off');
    await b.powerOn();
    await b.waitForShell('boot after power on');
    // The console (reopened before the power came on) saw the boot from U-Boot on.
    await b.closeConsole();
    expect(fs.readFileSync(testInfo.outputPath('console.log'), 'utf8')).toContain('ota-hil: booting slot on partition 2 (bootcount 0, upgrade_available 0)');
    expect(await b.sh('cat /var/log/messages')).toMatch(/sama5d2 hubby\[\d+\]: BentoProduct::BentoProduct\(\): running hub version 0/);
  } finally {
    await detach(b, 'twin-test-sama5d2', inventory, 'sama5d2');
  }
});

test('bbgw twin: systemd and journald, roots on mmcblk1p3/p4 chosen by uEnv.txt, and a uEnv.txt that disagrees with the running root is a product failure', async ({}, testInfo) => {
  test.setTimeout(10 * 60_000);
  const inventory = testInfo.outputPath('lab-inventory.json');
  let b: Board | undefined;
  try {
    b = (await attach('bbgw', 'twin-test-bbgw', inventory, testInfo.outputPath('console.log'))).b;
    expect(await b.sh('hostname')).toBe('beaglebone\n');
    expect(await b.sh('cat /proc/cmdline')).toContain('root=/dev/mmcblk1p3');
    expect(await b.sh("grep ' /afero_nv ' /proc/mounts")).toMatch(/^\/dev\/mmcblk1p2 \/afero_nv ext3 /);
    expect(await b.sh('systemctl is-active attrd otamgr hubby')).toBe('active\nactive\nactive\n');
    expect(await b.sh('journalctl -b -o short -n all --no-pager')).toMatch(/beaglebone hubby\[\d+\]: BentoProduct::BentoProduct\(\): running hub version 0/);
    expect(await b.activeSlot()).toBe('A');
    const setBootpart = (v: string) => b!.sh(`d=$(mktemp -d) && mount /dev/mmcblk1p1 "$d" && sed -i 's/^bootpart=.*/bootpart=${v}/' "$d/uEnv.txt" && umount "$d" && rmdir "$d"`);
    await setBootpart('0:4');
    const err = await b.activeSlot().catch((e: Error) => e);
    expect(err).toBeInstanceOf(ProductFailure);
    expect((err as Error).message).toContain('/dev/mmcblk1p1:uEnv.txt says bootpart=0:4 (slot B, /dev/mmcblk1p4) but the kernel runs root=/dev/mmcblk1p3 (slot A)');
    await setBootpart('0:3');
    expect(await b.activeSlot()).toBe('A');
  } finally {
    await detach(b, 'twin-test-bbgw', inventory, 'bbgw');
  }
});
