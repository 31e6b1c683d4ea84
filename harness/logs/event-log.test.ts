import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { LogSourceFailedError, OtaEventLog, OtaFailureEventError } from './event-log.ts';
import { Deadline } from '../wait/deadline.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { FileLogSource } from './file-log-source.ts';
import { ConsoleLogSource } from './console-log-source.ts';
import { SshLogSource } from './ssh-log-source.ts';
import { WaitTimeoutError } from '../errors.ts';
import { SerialConsole } from '../console/serial-console.ts';
import { startPtyProgram } from '../testing/pty-pair.ts';
import { startOpenSshServer } from '../testing/openssh-server.ts';
import { SshSession } from '../ssh/ssh-session.ts';

const line = (msg: string, prog = 'hubby[10]') => `Nov 26 10:00:00 board ${prog}: ${msg}`;
const VALIDATED = line('BentoProduct::HandleValidateOTA(0)');
const REJECTED = line('BentoProduct::HandleValidateOTA(1)');
const INVOKED = line('2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a', 'otamgr[5]');

test('events seen while no one waits are found by the next wait, in order, each once', async () => {
  const log = new OtaEventLog('test log');
  log.feed(VALIDATED);
  log.feed(INVOKED);
  const ev = await log.waitFor('validated', { timeoutMs: 1000 });
  expect(ev.seenAt).toBeGreaterThan(0);
  expect((await log.waitFor('sysupgrade-invoked', { timeoutMs: 1000 })).fields.path).toBe('/tmp/ota_type_5.img');
  await expect(log.waitFor('validated', { timeoutMs: 200 })).rejects.toBeInstanceOf(WaitTimeoutError);
});

test('a failure event fails the wait at once as a product failure, unless it is awaited', async () => {
  const log = new OtaEventLog('test log');
  const pending = log.waitFor('validated', { timeoutMs: 20_000, phase: 'validate' }).catch((e) => e);
  log.feed(REJECTED);
  const err = await pending;
  expect(err).toBeInstanceOf(OtaFailureEventError);
  expect(err.failureClass).toBe('product-failure');
  expect(err.message).toContain('[validate] while waiting for OTA event validated, the board reported validation-failed');
  log.feed(REJECTED);
  expect((await log.waitFor(['validated', 'validation-failed'], { timeoutMs: 1000 })).kind).toBe('validation-failed');
});

test('a timeout with no OTA event at all is a lab fault; after some events, a product failure', async () => {
  const log = new OtaEventLog('board log');
  log.feed('some unrelated line');
  const none = await log.waitFor('ota-allowed', { timeoutMs: 200, phase: 'download' }).catch((e) => e);
  expect(none).toBeInstanceOf(WaitTimeoutError);
  expect(none.failureClass).toBe('lab-fault');
  expect(none.message).toContain('No OTA event at all was seen');
  expect(none.message).toContain('  | some unrelated line');
  log.skipPending();
  log.feed(VALIDATED);
  const stuck = await log.waitFor('reboot', { timeoutMs: 200, phase: 'install' }).catch((e) => e);
  expect(stuck.failureClass).toBe('product-failure');
  expect(stuck.message).toContain('Last OTA event since the push: validated');
});

test('boot lines before the push do not count: a timeout with none since the push is a lab fault', async () => {
  const log = new OtaEventLog('board log');
  log.feed('U-Boot 2023.01 (Oct 30 2025 - 10:00:00 +0000)');
  log.feed('[    0.000000] Linux version 6.1.0-13-armmp (debian-kernel@lists.debian.org) #1 SMP Debian 6.1.55-1');
  log.feed(line('BentoProduct::BentoProduct(): running hub version 1234'));
  expect(log.events.map((e) => e.kind), 'the boot made events').toEqual(['bootloader', 'kernel-boot', 'running-version']);
  log.skipPending(); // the push
  const lost = await log.waitFor('ota-allowed', { timeoutMs: 200, phase: 'download' }).catch((e) => e);
  expect(lost).toBeInstanceOf(WaitTimeoutError);
  expect(lost.failureClass).toBe('lab-fault');
  expect(lost.message).toContain('No OTA event since the push');
  log.feed(line('BentoProduct::LocalOtaAllowed(5, 1): current version 0'));
  const stuck = await log.waitFor('validated', { deadline: Deadline.after(200, 'validate') }).catch((e) => e);
  expect(stuck).toBeInstanceOf(WaitTimeoutError);
  expect(stuck.failureClass).toBe('product-failure');
  expect(stuck.message).toContain('[validate] timed out after 0.2 s waiting for OTA event validated');
  expect(stuck.message).toContain('Last OTA event since the push: ota-allowed');
});

test('a source that stops fails the pending wait and later ones at once, as a lab fault naming it', async () => {
  const log = new OtaEventLog('board log');
  log.feed(VALIDATED);
  const pending = log.waitFor('reboot', { timeoutMs: 20_000, phase: 'install' }).catch((e) => e);
  log.sourceFailed(new Error('channel closed'), 'ssh root@board:22 running "logread -f"');
  const err = await pending;
  expect(err).toBeInstanceOf(LogSourceFailedError);
  expect(err.failureClass).toBe('lab-fault');
  expect(err.message).toContain('ssh root@board:22 running "logread -f" stopped: channel closed');
  const t0 = Date.now();
  await expect(log.waitFor('reboot', { timeoutMs: 20_000 })).rejects.toBeInstanceOf(LogSourceFailedError);
  expect(Date.now() - t0).toBeLessThan(1000);
});

test('a local file source follows appended lines (a conserver log)', async ({}, testInfo) => {
  const file = testInfo.outputPath('console.log');
  fs.writeFileSync(file, `${line('BentoProduct::LocalOtaAllowed(5, 1): current version 0')}\n`);
  const log = new OtaEventLog('file');
  const stop = await log.follow(new FileLogSource(file));
  try {
    fs.appendFileSync(file, `${VALIDATED}\r\n`);
    const ev = await log.waitFor('validated', { timeoutMs: 10_000 });
    expect(ev.line).toBe(VALIDATED);
    // Started at the end: the line already in the file is not an event of this run.
    expect(log.events.map((e) => e.kind)).toEqual(['validated']);
  } finally {
    await stop();
  }
});

test('a local file source started before its file exists reads it whole once it appears', async ({}, testInfo) => {
  const file = testInfo.outputPath('later.log');
  const log = new OtaEventLog('file');
  const stop = await log.follow(new FileLogSource(file));
  try {
    const seen = log.waitFor('validated', { timeoutMs: 10_000 });
    fs.writeFileSync(file, `${VALIDATED}\n`);
    expect((await seen).line).toBe(VALIDATED);
  } finally {
    await stop();
  }
});

test('the console source: login, the log command runs in the background, daemon lines become events', async ({}, testInfo) => {
  const dir = fs.mkdtempSync(path.join(testInfo.outputPath(''), 'board-'));
  const messages = path.join(dir, 'messages');
  fs.writeFileSync(messages, `${line('old line before the test: BentoProduct::HandleValidateOTA(0)')}\n`);
  const shell = path.join(dir, 'shell.sh');
  fs.writeFileSync(shell, "#!/bin/sh\nPS1='# ' exec sh -i\n", { mode: 0o755 });
  const pty = await startPtyProgram(shell, dir);
  const con = await SerialConsole.open({ address: pty.harnessPath, transcriptPath: testInfo.outputPath('console.log') });
  try {
    await con.login({ user: 'root', timeoutMs: 10_000 });
    const log = new OtaEventLog(con.name);
    const source = new ConsoleLogSource(con, `tail -n0 -F ${messages}`, { readyProbe: `echo {marker} >> ${messages}` });
    const stop = await log.follow(source);
    // follow() returned only once the follower printed its probe: nothing written now is missed.
    fs.appendFileSync(messages, `${INVOKED}\n`);
    const ev = await log.waitFor('sysupgrade-invoked', { timeoutMs: 10_000 });
    expect(ev.program).toBe('otamgr');
    expect(log.events.map((e) => e.kind)).toEqual(['sysupgrade-invoked']);
    await stop();
    // The follower is gone: a new line no longer reaches the console.
    fs.appendFileSync(messages, `${VALIDATED}\n`);
    expect((await con.run('sleep 1; echo settled')).output).toBe('settled');
    expect(log.events).toHaveLength(1);
  } finally {
    await con.close();
    await pty.stop();
  }
});

test('the SSH source: the log command over a real OpenSSH session', async ({}, testInfo) => {
  const server = await startOpenSshServer();
  const session = new SshSession(server.target);
  try {
    await session.connect();
    const messages = testInfo.outputPath('messages');
    fs.writeFileSync(messages, '');
    const log = new OtaEventLog(session.where);
    const stop = await log.follow(new SshLogSource(session, `tail -n0 -F ${messages}`, { readyProbe: `echo {marker} >> ${messages}` }));
    const first = once(log, 'event');
    fs.appendFileSync(messages, `${VALIDATED}\n`);
    await first;
    expect(log.events.map((e) => e.kind)).toEqual(['validated']);
    await stop();
    // A follower that dies on the board (here: killed) fails the waits that depend on it at once.
    const pidFile = testInfo.outputPath('follower.pid');
    const dying = new OtaEventLog(session.where);
    await dying.follow(new SshLogSource(session, `echo $$ > ${pidFile}.new && mv ${pidFile}.new ${pidFile}; exec tail -n0 -F ${messages}`));
    await waitForPath(pidFile, { timeoutMs: 10_000, what: 'the follower to start' });
    const pending = dying.waitFor('reboot', { timeoutMs: 30_000, phase: 'install' }).catch((e) => e);
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(LogSourceFailedError);
    expect(err.failureClass).toBe('lab-fault');
    expect(err.message).toMatch(/running "echo .*tail -n0 -F .*" stopped: .*killed by signal SIGKILL/);
  } finally {
    session.close();
    await server.stop();
  }
});
