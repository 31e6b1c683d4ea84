import { test, expect } from '@playwright/test';
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildVboard } from '../../harness/vboard/build.ts';
import { QemuBoard } from '../../harness/power/qemu-board.ts';
import { SerialConsole } from '../../harness/console/serial-console.ts';
import { SshSession } from '../../harness/ssh/ssh-session.ts';

// The virtual board itself: built from Debian packages, booted by real U-Boot, reached on its
// serial console and over SSH with the pinned host key.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the virtual board boots slot A; serial login, fw_printenv and SSH work', async ({}, testInfo) => {
  test.setTimeout(10 * 60_000);
  const image = buildVboard(root, { log: (s) => console.log(s) });
  const board = await QemuBoard.start({ baseImage: image.disk, runDir: testInfo.outputPath('board') });
  const con = await SerialConsole.open({ address: board.serialPath, name: 'virtual board serial', transcriptPath: testInfo.outputPath('console.log') });
  const ssh = new SshSession({ host: '127.0.0.1', port: board.sshPort, user: 'root', privateKeyPath: image.clientKey, hostKeyFingerprint: image.hostKeyFingerprint });
  try {
    await board.powerOn();
    await con.expect(/^U-Boot \d{4}\.\d{2}/m, { timeoutMs: 10_000, phase: 'boot' });
    await con.expect('ota-hil: booting slot on partition 2', { timeoutMs: 30_000, phase: 'boot' });
    await con.expect(/login: *$/m, { timeoutMs: 120_000, phase: 'boot' });
    await con.login({ user: 'root', shellPrompt: /root@afero-virtual:[^#\n]*# *$/m, timeoutMs: 30_000 });
    expect((await con.run('fw_printenv boot_part', { check: true })).output).toBe('boot_part=2');
    expect((await con.run('sed -n "s/.* root=\\([^ ]*\\).*/\\1/p" /proc/cmdline')).output).toBe('/dev/vda2');
    await ssh.waitUntilUp({ timeoutMs: 60_000, phase: 'boot' });
    const r = await ssh.exec('uname -m; mount | grep -c " /afero_nv "', { check: true });
    expect(r.stdout).toBe('armv7l\n1\n');
  } finally {
    ssh.close();
    await testInfo.attach('console', { path: testInfo.outputPath('console.log'), contentType: 'text/plain' }).catch(() => undefined);
    await con.close();
    await board.stop();
  }
});

test('hil vboard up/status/down: a board that stays up between commands, reachable as printed', async () => {
  test.setTimeout(5 * 60_000);
  const hil = (...args: string[]) => spawnSync('node', [path.join(root, 'bin/hil.js'), 'vboard', ...args, '--name', 'suite-check'], { cwd: root, encoding: 'utf8' });
  try {
    const up = hil('up', '--json');
    expect(up.status, up.stderr).toBe(0);
    const where = JSON.parse(up.stdout) as { serial: string; ssh: { host: string; port: number; user: string; key: string } };
    expect(fs.realpathSync(where.serial)).toMatch(/^\/dev\/pts\/\d+$/);
    const status = hil('status', '--json');
    expect([status.status, JSON.parse(status.stdout).running]).toEqual([0, true]);
    const image = buildVboard(root);
    const ssh = new SshSession({ ...where.ssh, privateKeyPath: where.ssh.key, hostKeyFingerprint: image.hostKeyFingerprint });
    try {
      await ssh.waitUntilUp({ timeoutMs: 30_000, phase: 'vboard up' });
      expect((await ssh.exec('fw_printenv -n boot_part', { check: true })).stdout).toBe('2\n');
    } finally {
      ssh.close();
    }
  } finally {
    const down = hil('down');
    expect(down.stdout).toContain('is down');
  }
  expect(hil('status').status).toBe(1);
  expect(fs.existsSync(path.join(root, '.cache/vboard-run/suite-check'))).toBe(false);
});

test('a torn environment write: U-Boot falls back to the other, valid copy', async ({}, testInfo) => {
  test.setTimeout(5 * 60_000);
  const image = buildVboard(root);
  const board = await QemuBoard.start({ baseImage: image.disk, runDir: testInfo.outputPath('board') });
  const con = await SerialConsole.open({ address: board.serialPath, name: 'virtual board serial', transcriptPath: testInfo.outputPath('console.log') });
  const ssh = new SshSession({ host: '127.0.0.1', port: board.sshPort, user: 'root', privateKeyPath: image.clientKey, hostKeyFingerprint: image.hostKeyFingerprint });
  try {
    await board.powerOn();
    await con.expect('ota-hil: environment copy 1 (flags 1/1)', { timeoutMs: 30_000, phase: 'boot' });
    await ssh.waitUntilUp({ timeoutMs: 120_000, phase: 'boot' });
    // fw_setenv writes the older copy (2) with flag 2; then half of that copy's data is lost,
    // as a power cut in the middle of the write would leave it.
    await ssh.exec('fw_setenv boot_part 3 && fw_printenv -n boot_part', { check: true });
    con.skipPending();
    await ssh.exec('dd if=/dev/urandom of=/dev/vda bs=512 seek=$((0x280000 / 512 + 1)) count=4 conv=notrunc,fsync 2>/dev/null; reboot -f', { timeoutMs: 10_000 }).catch(() => undefined);
    await con.expect('bad CRC, import failed', { timeoutMs: 60_000, phase: 'reboot' });
    await con.expect('ota-hil: environment copy 1', { timeoutMs: 30_000, phase: 'reboot' });
    await con.expect('ota-hil: booting slot on partition 2', { timeoutMs: 30_000, phase: 'reboot' });
  } finally {
    ssh.close();
    await con.close();
    await board.stop();
  }
});
