import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Board } from '../board/board.ts';
import { validateProfile } from '../board/load-profile.ts';
import { mergeOverrides } from '../board/inventory.ts';
import { noPower } from '../power/power-driver.ts';
import { SshSession } from '../ssh/ssh-session.ts';
import { checkBoardHealth, runHealthSteps } from './health-check.ts';
import { profileData, startLocalRackBoard, type LocalRackBoard } from './local-rack-board.ts';

// The health check on a board of real local peers: a real OpenSSH server and a shell on a real
// pty. Healthy, then with its sshd dead, then with an update under way.

// Not under /tmp: the board's console shell has a /tmp of its own.
const cache = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.cache');
let dir: string;
let peer: LocalRackBoard;

test.beforeEach(async () => {
  fs.mkdirSync(cache, { recursive: true });
  dir = fs.mkdtempSync(path.join(cache, 'hil-health-'));
  peer = await startLocalRackBoard('rack-1', dir);
});

test.afterEach(async () => {
  await peer.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function check() {
  const { id: _id, type: _type, tags: _tags, ...fields } = peer.entry('rackboard');
  const profile = validateProfile(mergeOverrides(profileData('rackboard'), fields), 'rackboard');
  const ssh = new SshSession({ host: profile.ssh.host, port: profile.ssh.port, user: profile.ssh.user, privateKeyPath: profile.ssh.privateKey, hostKeyFingerprint: profile.ssh.hostKeyFingerprint });
  const board = new Board(profile, ssh, noPower, path.join(dir, `console-${Date.now()}.log`));
  try {
    return await checkBoardHealth(board, peer.id);
  } finally {
    await board.close();
  }
}

test('a board whose console, login, SSH and slot answer, with no update under way, is healthy', async () => {
  const r = await check();
  expect(r).toEqual({ healthy: true, steps: ['console answers', 'login', 'SSH', 'active slot readable', 'no update under way'], slot: 'A' });
});

test('a board whose SSH is dead fails at "SSH", with the reason and its last console lines', async () => {
  peer.sshd.crash();
  const t0 = Date.now();
  const r = await check();
  expect(r.healthy).toBe(false);
  if (r.healthy) return;
  expect(r.steps).toEqual(['console answers', 'login']);
  expect(r.failedStep).toBe('SSH');
  expect(r.reason).toMatch(/^health check failed at "SSH" on rack-1: .*ssh root@127\.0\.0\.1:\d+ did not come up .*ECONNREFUSED/);
  expect(r.lastLines.join('\n'), 'the console transcript is the evidence').toMatch(/#/);
  // Bounded by the profile's command budget (4 s), not the boot budget.
  expect(Date.now() - t0).toBeLessThan(15_000);
});

test('an update under way fails the last step; the slot is read first', async () => {
  // The board's /tmp is this host's: a stand-in update file there would fail other runs' boards.
  // The order and the reason are checked on steps of their own instead.
  const r = await runHealthSteps(
    [
      { name: 'console answers', run: async () => undefined },
      { name: 'active slot readable', run: async () => 'B' },
      {
        name: 'no update under way',
        run: async () => {
          throw new Error('rack-1: an update is under way on the board (/tmp/ota_type_5.img)\nFailure class: lab fault');
        },
      },
    ],
    { board: 'rack-1', budgetMs: 1000, lastLines: () => ['l1', 'l2'] },
  );
  expect(r).toEqual({ healthy: false, steps: ['console answers', 'active slot readable'], failedStep: 'no update under way', reason: 'health check failed at "no update under way" on rack-1: rack-1: an update is under way on the board (/tmp/ota_type_5.img)', lastLines: ['l1', 'l2'] });
});
