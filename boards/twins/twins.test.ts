import { test, expect } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../../harness/board/load-profile.ts';
import { Board } from '../../harness/board/board.ts';
import { SshSession } from '../../harness/ssh/ssh-session.ts';
import { CommandPower, type PowerCommands } from '../../harness/power/command-power.ts';
import { ProductFailure } from '../../harness/errors.ts';
import { partnerLab } from '../../harness/suite/lab.ts';
import { readRackInventory, type RackBoard } from '../../harness/rack/rack-inventory.ts';

// The twin's own checks, on the twin scripts/run-twins.sh has up (no boot of their own), before
// the board's project runs on it: HIL_INVENTORY is the inventory `vboard up --twin` wrote,
// HIL_TWIN the twin's name there. What the board project proves on the twin anyway (the power
// switched through the `command` driver: power-cut; OTA through the twin's lab service: every
// scenario; the recovery command re-imaging the twin: the BBGW's rollback scenario, after which
// the rack fixture recovers the board) is not repeated here; what only the twin's layout shows
// is: the real profile with the inventory alone (the password from its file, the recovery command
// `vboard up` wrote), the slots as the real board has them, and (BBGW) a uEnv.txt that disagrees
// with the running root.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const inventory = process.env.HIL_INVENTORY;
const name = process.env.HIL_TWIN;

test.skip(!inventory || !name, 'run by scripts/run-twins.sh (HIL_INVENTORY and HIL_TWIN name a twin that is up)');

let entry: RackBoard;
let board: Board;

test.beforeAll(async ({}, testInfo) => {
  entry = readRackInventory(inventory!).boards.find((b) => b.id === name)!;
  expect(entry, `board ${name} in ${inventory}`).toBeDefined();
  // Only the inventory: the password from its file, no HIL_<BOARD>_* variable.
  const { [`HIL_${entry.type.toUpperCase()}_PASSWORD`]: _unset, ...env } = process.env;
  const { profile } = await loadProfile(`boards/${entry.type}.ts`, { projectRoot: root, env, inventoryEntry: { board: entry.id, fields: entry.profile } });
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  board = new Board(profile, ssh, new CommandPower(profile.power as PowerCommands), testInfo.outputPath('console.log'));
  await board.openConsole();
});
test.afterAll(async () => board?.close());

test('the real profile with the inventory alone: password login over ser2net, the twin\'s lab service, slot A as the board has it', async () => {
  test.setTimeout(5 * 60_000);
  expect(board.profile.login.password).toEqual({ file: expect.stringMatching(/root-password$/) });
  expect(board.profile.serial.port).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(entry.recovery?.command).toMatch(new RegExp(`bin/hil\\.js vboard reimage --name ${name}$`));
  // The twin's own lab service answers with the conf the inventory names, and says it is a lab service.
  const lab = partnerLab({ HIL_INVENTORY: inventory }, { projectRoot: root, board: entry.type });
  await lab.client.logIn();
  expect(lab.canDamageDownloads).toBe(true);
  expect([lab.canBuild('rootfs-no-init'), lab.canBuild('rootfs-random-kernel')]).toEqual([true, true]);
  await board.loginAndFollow('attach to the twin');
  expect(await board.activeSlot()).toBe('A');
  if (entry.type === 'sama5d2') {
    expect(await board.sh('cat /proc/cmdline')).toContain('root=/dev/mmcblk0p2');
    expect(await board.sh("grep ' /afero_nv ' /proc/mounts")).toMatch(/^\/dev\/mmcblk0p4 /);
    expect(await board.sh('fw_printenv bootcount bootlimit upgrade_available')).toBe('bootcount=0\nbootlimit=2\nupgrade_available=0\n');
    expect(await board.sh('cat /var/log/messages')).toMatch(/sama5d2 hubby\[\d+\]: BentoProduct::BentoProduct\(\): running hub version 0/);
  } else {
    expect(await board.sh('hostname')).toBe('beaglebone\n');
    expect(await board.sh('cat /proc/cmdline')).toContain('root=/dev/mmcblk1p3');
    expect(await board.sh("grep ' /afero_nv ' /proc/mounts")).toMatch(/^\/dev\/mmcblk1p2 \/afero_nv ext3 /);
    expect(await board.sh('systemctl is-active attrd otamgr hubby')).toBe('active\nactive\nactive\n');
    expect(await board.sh('journalctl -b -o short -n all --no-pager')).toMatch(/beaglebone hubby\[\d+\]: BentoProduct::BentoProduct\(\): running hub version 0/);
  }
});

test('bbgw: a uEnv.txt that disagrees with the running root is reported as such (a product failure)', async () => {
  test.skip(entry.type !== 'bbgw', 'uEnv.txt is the BBGW\'s');
  const setBootpart = (v: string) => board.sh(`d=$(mktemp -d) && mount /dev/mmcblk1p1 "$d" && sed -i 's/^bootpart=.*/bootpart=${v}/' "$d/uEnv.txt" && umount "$d" && rmdir "$d"`);
  await setBootpart('0:4');
  try {
    const err = await board.activeSlot().catch((e: Error) => e);
    expect(err).toBeInstanceOf(ProductFailure);
    expect((err as Error).message).toContain('/dev/mmcblk1p1:uEnv.txt says bootpart=0:4 (slot B, /dev/mmcblk1p4) but the kernel runs root=/dev/mmcblk1p3 (slot A)');
  } finally {
    await setBootpart('0:3');
  }
  expect(await board.activeSlot()).toBe('A');
});
