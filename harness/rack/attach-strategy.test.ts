import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from '../board/board.ts';
import { validateProfile } from '../board/load-profile.ts';
import { mergeOverrides } from '../board/inventory.ts';
import { powerFromProfile } from '../power/power-from-profile.ts';
import { SshSession } from '../ssh/ssh-session.ts';
import { Deadline } from '../wait/deadline.ts';
import { bringToShell } from './attach-strategy.ts';
import { recoverBoard, type Recovered } from './recovery.ts';
import { LabFault } from '../errors.ts';
import { profileData, startLocalRackBoard, type LocalRackBoard } from './local-rack-board.ts';

// The board fixture's state machine on a board of real local peers (OpenSSH, a shell on a pty)
// whose power is switched by the `command` driver: it starts off, its console silent.

// Not under /tmp: the board's console shell has a /tmp of its own, where its daemon log would vanish.
const cache = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.cache');
let dir: string;
let peer: LocalRackBoard;

test.beforeEach(async () => {
  fs.mkdirSync(cache, { recursive: true });
  dir = fs.mkdtempSync(path.join(cache, 'hil-attach-'));
  peer = await startLocalRackBoard('rack-p', dir, { switchable: true });
});

test.afterEach(async () => {
  await peer.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function boardWith(power: unknown, timeouts: Record<string, number> = {}): Board {
  const { id: _id, type: _type, tags: _tags, ...fields } = peer.entry('rackboard');
  const profile = validateProfile(mergeOverrides(profileData('rackboard'), { ...fields, power, timeouts: { login: 2_000, ...timeouts } }), 'rackboard');
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  return new Board(profile, ssh, powerFromProfile(profile, peer.id), path.join(dir, `console-${Date.now()}.log`));
}

/** A recovery script for the peer: refuses to run while the board is powered, then makes it bootable again. */
function recoveryScript(): string {
  const script = path.join(dir, 'reimage');
  fs.writeFileSync(script, `#!/bin/sh\n[ -f ${peer.dir}/powered ] && { echo "$HIL_BOARD is powered: refusing to flash" >&2; exit 3; }\nrm -f ${peer.dir}/unbootable\necho "re-imaged $HIL_BOARD from the pristine image"\n`, { mode: 0o755 });
  return `${script} --from pristine.img`;
}

test('a silent board with switchable power is power-cycled into a shell; once there, it is only attached to', async () => {
  test.setTimeout(60_000);
  const board = boardWith(peer.power);
  try {
    const steps = await bringToShell(board, peer.id, Deadline.after(30_000, 'attach to the board'));
    expect(steps).toEqual(['attach: no-answer', 'power-cycle']);
    expect(fs.existsSync(path.join(peer.dir, 'powered')), 'the on command ran').toBe(true);
    expect(board.events.lastLines().join('\n')).toContain('rack-p login:');
    expect(await board.activeSlot()).toBe('A');
    await board.close();
    const again = boardWith(peer.power);
    try {
      expect(await bringToShell(again, peer.id, Deadline.after(30_000, 'attach to the board'))).toEqual(['attach: shell']);
    } finally {
      await again.close();
    }
  } finally {
    await board.close();
  }
});

/** Host pids of the board's log followers (its console shell's `tail -F` of its daemon log). */
function followers(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^tail -n (0|\\+1) -F ${path.join(peer.dir, 'messages')}$`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch (e) {
    if ((e as { status?: number }).status === 1) return [];
    throw e;
  }
}

test('a board power-cycled out of a shell, its log follower running, comes back to a shell; the follower went with the power', async () => {
  // As after a test that reboots the board: the shell the cycle kills is not the first one.
  test.setTimeout(60_000);
  const board = boardWith(peer.power, { boot: 5_000 });
  try {
    expect(await bringToShell(board, peer.id, Deadline.after(30_000, 'attach to the board'))).toEqual(['attach: no-answer', 'power-cycle']);
    const before = followers();
    expect(before, 'the log follower of the first boot').toHaveLength(1);
    for (const n of [1, 2]) {
      await board.powerCycle();
      await board.waitForShell(Deadline.after(5_000, `boot after power cycle ${n}`));
      expect(await board.activeSlot()).toBe('A');
    }
    const after = followers();
    expect(after, 'one log follower: the last boot\'s').toHaveLength(1);
    expect(after).not.toContain(before[0]);
  } finally {
    await board.close();
  }
});

test('a kernel message printed right after the login prompt, on its line, does not hide the prompt: the board boots to a shell', async () => {
  // As on a real console: getty's "login: ", then printk's "[    7.1] random: crng init done".
  test.setTimeout(60_000);
  fs.writeFileSync(path.join(peer.dir, 'late-kernel-line'), '');
  const board = boardWith(peer.power, { boot: 5_000 });
  try {
    await board.powerOn();
    await board.waitForShell(Deadline.after(5_000, 'boot with a kernel line after the login prompt'));
    expect(board.events.lastLines().join('\n'), 'the kernel line came (right after the prompt, on its line)').toContain('[    7.123456] random: crng init done');
    expect(await board.activeSlot()).toBe('A');
  } finally {
    await board.close();
  }
});

test('without power control, a silent board fails to attach with what went wrong, and nothing is switched', async () => {
  const board = boardWith({ driver: 'none' });
  try {
    const e = await bringToShell(board, peer.id, Deadline.after(30_000, 'attach to the board')).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/timed out after 2\.0 s waiting for/);
    expect(fs.existsSync(path.join(peer.dir, 'powered'))).toBe(false);
  } finally {
    await board.close();
  }
});

test('a board that boots no slot is power-cycled, then recovered by its recovery command while off; a power cut then takes no wait for the dead log follower', async () => {
  test.setTimeout(90_000);
  fs.writeFileSync(path.join(peer.dir, 'unbootable'), '');
  const board = boardWith(peer.power, { boot: 5_000 });
  try {
    const recoveries: Recovered[] = [];
    const rack = { id: peer.id, type: 'rackboard', tags: [], recovery: { command: recoveryScript() } };
    const steps = await bringToShell(board, peer.id, Deadline.after(30_000, 'bring the board back'), { recover: () => recoverBoard(rack), onRecovered: (r) => recoveries.push(r) });
    expect(steps).toEqual(['attach: no-answer', 'power-cycle: no-slot-boots', 'recover']);
    expect(board.events.lastLines().join('\n')).toContain('no slot boots');
    expect(recoveries.map((r) => r.lastLines)).toEqual([['re-imaged rack-p from the pristine image']]);
    expect(await board.activeSlot()).toBe('A');
    // The log follower runs; the cut leaves it dead with the board, and nothing waits for it.
    const t0 = Date.now();
    await board.cutPower();
    expect(Date.now() - t0, 'power cut with a dead log follower').toBeLessThan(3_000);
  } finally {
    await board.close();
  }
});

test('a board that boots no slot and has no recovery command is out of service naming boards[].recovery; a failing recovery names the board and its program', async () => {
  test.setTimeout(90_000);
  fs.writeFileSync(path.join(peer.dir, 'unbootable'), '');
  const board = boardWith(peer.power, { boot: 3_000 });
  try {
    const none = await bringToShell(board, peer.id, Deadline.after(30_000, 'bring the board back')).then(
      () => new Error('reached a shell'),
      (e: unknown) => e as Error,
    );
    expect(none).toBeInstanceOf(LabFault);
    expect(none.message).toContain('rack-p is out of service: it boots no slot (powered, no shell within its boot budget), and it has no recovery command in the lab inventory (boards[].recovery)');
    const hang = path.join(dir, 'flash-hangs');
    fs.writeFileSync(hang, '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const rack = { id: peer.id, type: 'rackboard', tags: [], recovery: { command: `${hang} --token s3cret`, timeoutMs: 1_000 } };
    const failed = await bringToShell(board, peer.id, Deadline.after(30_000, 'bring the board back'), { recover: () => recoverBoard(rack) }).then(
      () => new Error('reached a shell'),
      (e: unknown) => e as Error,
    );
    expect(failed.message).toContain(`recovery of rack-p (${hang}) did not finish within 1 s`);
    expect(failed.message).not.toContain('s3cret');
    expect(fs.existsSync(path.join(peer.dir, 'unbootable')), 'still unbootable').toBe(true);
  } finally {
    await board.close();
  }
});
