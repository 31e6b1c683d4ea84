import { test, expect } from '@playwright/test';
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

function boardWith(power: unknown): Board {
  const { id: _id, type: _type, tags: _tags, ...fields } = peer.entry('rackboard');
  const profile = validateProfile(mergeOverrides(profileData('rackboard'), { ...fields, power, timeouts: { login: 2_000 } }), 'rackboard');
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  return new Board(profile, ssh, powerFromProfile(profile), path.join(dir, `console-${Date.now()}.log`));
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
