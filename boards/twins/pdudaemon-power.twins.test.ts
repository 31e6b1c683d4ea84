import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../../harness/board/load-profile.ts';
import { Board } from '../../harness/board/board.ts';
import { SshSession } from '../../harness/ssh/ssh-session.ts';
import { CommandPower, type PowerCommands } from '../../harness/power/command-power.ts';
import { powerFromProfile, withPowerCapabilities } from '../../harness/power/power-from-profile.ts';
import { startPduDaemon, type PduDaemonServer } from '../../harness/power/testing/pdudaemon-server.ts';
import { readRackInventory, type RackBoard } from '../../harness/rack/rack-inventory.ts';

// A twin's power through a real PDUDaemon (Debian's `pdudaemon`), as a LAVA lab switches a board:
// a `localcmdline` PDU whose outlet runs the twin's own power commands (the ones `vboard up` wrote
// into the inventory for the `command` driver). The board is driven by the `pdudaemon` driver
// alone: off (the twin's QEMU stops: its power status says so), then on, and the real profile
// logs in again over ser2net. Run by scripts/run-twins.sh on the twin it has up; one boot, so on
// the SAMA5D2 twin only (14 s to a shell; the BBGW's systemd takes 40 s and the driver is the same).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const inventory = process.env.HIL_INVENTORY;
const name = process.env.HIL_TWIN;

test.skip(!inventory || !name, 'run by scripts/run-twins.sh (HIL_INVENTORY and HIL_TWIN name a twin that is up)');

let daemon: PduDaemonServer | undefined;
test.afterAll(async () => daemon?.stop());

test('power through a real PDUDaemon: its localcmdline outlet switches the twin off and on, and the board comes back to a shell', async ({}, testInfo) => {
  const entry: RackBoard | undefined = readRackInventory(inventory!).boards.find((b) => b.id === name);
  expect(entry, `board ${name} in ${inventory}`).toBeDefined();
  test.skip(entry!.type !== 'sama5d2', 'one boot on the SAMA5D2 twin shows the driver; the BBGW twin would only repeat it, 40 s slower');
  test.setTimeout(4 * 60_000);
  const commands = (entry!.profile.power ?? {}) as PowerCommands & { driver?: string };
  expect(commands.driver, 'the twin\'s inventory entry switches its power with commands').toBe('command');
  const twinPower = new CommandPower(commands);
  const journal = testInfo.outputPath('pdu-journal');
  fs.mkdirSync(path.dirname(journal), { recursive: true });
  daemon = await startPduDaemon({ twinpdu: { on: `${commands.on} && echo "on $HIL_PDU_OUTLET" >> ${journal}`, off: `${commands.off} && echo "off $HIL_PDU_OUTLET" >> ${journal}` } });

  const { profile: loaded } = await loadProfile(`boards/${entry!.type}.ts`, { projectRoot: root, inventoryEntry: { board: entry!.id, fields: { ...entry!.profile, power: { driver: 'pdudaemon', url: daemon.url, hostname: 'twinpdu', port: 3 } } } });
  const profile = withPowerCapabilities(loaded);
  expect(profile.capabilities, 'the pdudaemon driver can cut: power-cut follows from it').toContain('power-cut');
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  const board = new Board(profile, ssh, powerFromProfile(profile, entry!.id), testInfo.outputPath('console.log'));
  try {
    await board.openConsole();
    await board.loginAndFollow('log in to the twin');
    expect(await board.activeSlot()).toBe('A');

    await board.cutPower();
    expect(await twinPower.status(), 'the twin after the PDU outlet went off').toBe('off');
    await board.powerOn();
    expect(await twinPower.status(), 'the twin after the PDU outlet went on').toBe('on');
    await board.waitForShell('boot to a shell after the PDU outlet went on');
    expect(await board.activeSlot(), 'the twin boots the slot it ran').toBe('A');
    expect(fs.readFileSync(journal, 'utf8'), 'PDUDaemon switched outlet 3: off, then on').toBe('off 3\non 3\n');
  } finally {
    await board.close();
  }
});
