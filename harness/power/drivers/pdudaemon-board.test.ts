import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from '../../board/board.ts';
import { validateProfile } from '../../board/load-profile.ts';
import { mergeOverrides } from '../../board/inventory.ts';
import { powerFromProfile, withPowerCapabilities } from '../power-from-profile.ts';
import { SshSession } from '../../ssh/ssh-session.ts';
import { Deadline } from '../../wait/deadline.ts';
import { bringToShell } from '../../rack/attach-strategy.ts';
import { profileData, startLocalRackBoard, type LocalRackBoard } from '../../rack/local-rack-board.ts';
import { startPduDaemon, type PduDaemonServer } from '../testing/pdudaemon-server.ts';

// A board of real local peers (OpenSSH, a shell on a pty, silent while unpowered) whose power is
// an outlet of a real PDUDaemon: a `localcmdline` PDU running the board's own power commands.

// Not under /tmp: the board's console shell has a /tmp of its own, where its daemon log would vanish.
const cache = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.cache');
let dir: string;
let peer: LocalRackBoard;
let daemon: PduDaemonServer;

test.beforeEach(async () => {
  fs.mkdirSync(cache, { recursive: true });
  dir = fs.mkdtempSync(path.join(cache, 'hil-pdu-board-'));
  peer = await startLocalRackBoard('rack-pdu', dir, { switchable: true });
  daemon = await startPduDaemon({ rackpdu: { on: `${peer.power!.on}; echo "on $HIL_PDU_OUTLET" >> ${dir}/journal`, off: `${peer.power!.off}; echo "off $HIL_PDU_OUTLET" >> ${dir}/journal` } });
});

test.afterEach(async () => {
  await daemon?.stop();
  await peer?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a silent board whose outlet is on a real PDUDaemon is power-cycled into a shell through it, and can be cut', async () => {
  test.setTimeout(60_000);
  const { id: _id, type: _type, tags: _tags, ...fields } = peer.entry('rackboard');
  const power = { driver: 'pdudaemon', url: daemon.url, hostname: 'rackpdu', port: 7, delay: 0 };
  const profile = withPowerCapabilities(validateProfile(mergeOverrides(profileData('rackboard'), { ...fields, power, timeouts: { login: 2_000 } }), 'rackboard'));
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  const board = new Board(profile, ssh, powerFromProfile(profile, peer.id), path.join(dir, 'console.log'));
  try {
    expect(board.has('power-cut'), 'the driver can cut: the capability follows').toBe(true);
    expect(await bringToShell(board, peer.id, Deadline.after(30_000, 'attach to the board'))).toEqual(['attach: no-answer', 'power-cycle']);
    expect(board.events.lastLines().join('\n')).toContain('rack-pdu login:');
    expect(await board.activeSlot()).toBe('A');
    await board.cutPower();
    expect(fs.existsSync(path.join(peer.dir, 'powered')), 'the outlet is off').toBe(false);
    expect(fs.readFileSync(path.join(dir, 'journal'), 'utf8'), 'the PDU switched outlet 7: the cycle, then the cut').toMatch(/^(off 7\n)+on 7\noff 7\n$/);
  } finally {
    await board.close();
  }
});
