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

test.afterEach(async ({}, testInfo) => {
  // A failed run keeps its evidence: every byte the console received, the PDU's switches, the daemon's log.
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const f of ['console.log', 'journal']) if (fs.existsSync(path.join(dir, f))) await testInfo.attach(f, { path: path.join(dir, f), contentType: 'text/plain' });
    if (daemon) await testInfo.attach('pdudaemon.log', { body: daemon.output(), contentType: 'text/plain' });
  }
  await daemon?.stop();
  await peer?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The board with its outlet on the daemon's PDU (port 7, a cycle's off and on at once). */
function pduBoard(): Board {
  const { id: _id, type: _type, tags: _tags, ...fields } = peer.entry('rackboard');
  const power = { driver: 'pdudaemon', url: daemon.url, hostname: 'rackpdu', port: 7, delay: 0 };
  const profile = withPowerCapabilities(validateProfile(mergeOverrides(profileData('rackboard'), { ...fields, power, timeouts: { login: 2_000 } }), 'rackboard'));
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  return new Board(profile, ssh, powerFromProfile(profile, peer.id), path.join(dir, 'console.log'));
}

test('a silent board whose outlet is on a real PDUDaemon is power-cycled into a shell through it, and can be cut', async () => {
  test.setTimeout(60_000);
  const board = pduBoard();
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

test("the board's login prompt waits for a user name, as a getty does: a line typed at it logs in and runs nothing", async () => {
  // A shell started with no name would print its prompt right after "login: ": a harness that
  // looked for the login prompt once the power cycle's request returned (late, on a loaded host)
  // found the shell's prompt after it and waited out its boot budget.
  const board = pduBoard();
  try {
    await board.powerOn();
    await board.console.expect(/rack-pdu login: /, { timeoutMs: 10_000 });
    await board.console.send('echo typed-$((6*7))');
    await board.console.send('echo shell-$((1+1))');
    const shell = await board.console.expect(/shell-2/, { timeoutMs: 10_000 });
    expect(shell.before, 'the first line was the user name, not a command').not.toContain('typed-42');
  } finally {
    await board.cutPower();
    await board.close();
  }
});
