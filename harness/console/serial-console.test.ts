import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { SerialConsole } from './serial-console.ts';
import { startPtyPair, startPtyProgram, type PtyPair } from '../testing/pty-pair.ts';
import { ConsoleGoneError, DeathLineError, LoginError, WaitAbortedError, WaitTimeoutError } from '../errors.ts';
import { Deadline } from '../wait/deadline.ts';

// The console against real pseudo-terminals made by socat: the harness opens one end as its serial
// device, the test plays the board on the other.

let pty: PtyPair;
let con: SerialConsole;
let board: fs.WriteStream;

test.afterEach(async () => {
  board?.destroy();
  await con?.close();
  await pty?.stop();
});

async function openPair(testInfo: { outputPath(name: string): string }): Promise<void> {
  pty = await startPtyPair();
  con = await SerialConsole.open({ address: pty.harnessPath, name: 'test console', transcriptPath: testInfo.outputPath('console.log') });
  board = fs.createWriteStream(pty.boardPath);
  await once(board, 'open');
}

function write(data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => board.write(data, (e) => (e ? reject(e) : resolve())));
}

test('a 1 MiB burst of numbered lines arrives whole, in order, in lines and transcript', async ({}, testInfo) => {
  await openPair(testInfo);
  const seen: string[] = [];
  con.onLineReceived((l) => seen.push(l));
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 1 << 20; i++) {
    // Kernel-style CRLF endings, with an escape sequence now and then as busybox sends.
    const line = `seq ${String(i).padStart(6, '0')} ${'x'.repeat(60)}${i % 97 === 0 ? '\x1b[6n' : ''}\r\n`;
    lines.push(line);
    bytes += line.length;
  }
  const payload = lines.join('') + 'BURST-END\r\n';
  await write(payload);
  const done = await con.expect('BURST-END', { timeoutMs: 20_000 });
  expect(done.before.startsWith('seq 000000')).toBe(true);
  const numbered = seen.filter((l) => l.startsWith('seq '));
  expect(numbered).toHaveLength(lines.length);
  // One assertion over all lines (an expect per line would record 15,000 report steps).
  const expected = lines.map((l) => l.replace('\x1b[6n', '').replace('\r\n', ''));
  expect(numbered).toEqual(expected);
  expect(fs.readFileSync(con.transcript!.path).includes(Buffer.from(payload))).toBe(true);
  expect(con.received).toBe(Buffer.byteLength(payload));
});

test('a line split across many chunks still matches, with CR LF and escapes split too', async ({}, testInfo) => {
  await openPair(testInfo);
  const pending = con.expect(/HandleValidateOTA\((\d)\)\n/, { timeoutMs: 10_000 });
  const text = 'hubby[2014]: BentoProduct::HandleValidate\x1b[6nOTA(0)\r\n';
  for (const ch of text) {
    const arrived = once(con, 'data');
    await write(ch);
    await arrived; // one byte per read: each one is a chunk of its own
  }
  const m = await pending;
  expect(m.captures[0]).toBe('0');
  expect(m.before).toBe('hubby[2014]: BentoProduct::');
  expect(con.lastLines(1)).toEqual(['hubby[2014]: BentoProduct::HandleValidateOTA(0)']);
});

test('text that arrives while no one waits is kept for the next wait, and consumed once', async ({}, testInfo) => {
  await openPair(testInfo);
  await write('first marker\nsecond marker\n');
  await con.expect('second marker', { timeoutMs: 5000 });
  // Both arrived before the wait above; the first was skipped over by it and is not found again.
  const late = con.expect('first marker', { timeoutMs: 300 });
  await expect(late).rejects.toBeInstanceOf(WaitTimeoutError);
});

test('the far end vanishing and coming back during a wait: the wait resolves, the transcript notes the gap', async ({}, testInfo) => {
  await openPair(testInfo);
  const pending = con.expect('after the gap', { timeoutMs: 20_000 });
  const gone = once(con, 'gone');
  board.destroy();
  await pty.stop();
  await gone;
  expect(con.isConnected).toBe(false);
  const back = once(con, 'back');
  pty = await startPtyPair(pty.dir);
  await back;
  board = fs.createWriteStream(pty.boardPath);
  await once(board, 'open');
  await write('line after the gap\r\n');
  const m = await pending;
  expect(m.before).toBe('line ');
  const transcript = fs.readFileSync(con.transcript!.path, 'utf8');
  expect(transcript).toMatch(/\[hil [^\]]+\] serial console gone: /);
  expect(transcript).toMatch(/\[hil [^\]]+\] serial console back after \d+\.\d s/);
});

test('a timeout names what was awaited, the phase and the last console lines', async ({}, testInfo) => {
  await openPair(testInfo);
  await write('U-Boot 2023.01\r\nHit any key to stop autoboot\r\n');
  await con.expect('autoboot', { timeoutMs: 5000 });
  const err = await con.expect(/login:/, { timeoutMs: 300, phase: 'boot' }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  expect(err.failureClass).toBe('lab-fault');
  expect(err.message).toContain('[boot] timed out after 0.3 s waiting for /login:/ on test console');
  expect(err.message).toContain('  | U-Boot 2023.01');
  expect(err.message).toContain('  | Hit any key to stop autoboot');
});

test('a death line fails a pending wait at once, as a product failure', async ({}, testInfo) => {
  await openPair(testInfo);
  const started = Date.now();
  const pending = con.expect('ota_notification', { timeoutMs: 20_000, phase: 'validate' }).catch((e) => e);
  await write('Oct 30 21:13:00 host hubby[2014]: BentoProduct::HandleValidateOTA(1)\r\n');
  const err = await pending;
  expect(err).toBeInstanceOf(DeathLineError);
  expect(err.failureClass).toBe('product-failure');
  expect(err.message).toContain('OTA validation failed');
  expect(Date.now() - started).toBeLessThan(10_000);
  // A test that expects the failure line can wait for it.
  await write('BentoProduct::HandleValidateOTA(1)\r\n');
  const m = await con.expect(/HandleValidateOTA\(1\)/, { timeoutMs: 5000 });
  expect(m.text).toBe('HandleValidateOTA(1)');
});

test('a wait can be aborted', async ({}, testInfo) => {
  await openPair(testInfo);
  const ac = new AbortController();
  const pending = con.expect('never', { timeoutMs: 20_000, signal: ac.signal });
  ac.abort(new Error('test over'));
  await expect(pending).rejects.toBeInstanceOf(WaitAbortedError);
  await expect(pending).rejects.toThrow(/wait for "never" on test console was aborted: test over/);
});

// Behaves like getty + login: an empty name prompts again, a wrong password says so and starts over.
const fakeGetty = `#!/bin/sh
while :; do
  printf 'board login: '
  read user || exit 0
  [ -n "$user" ] || continue
  stty -echo; printf 'Password: '; read pw; stty echo; echo
  if [ "$user" = root ] && [ "$pw" = "s3cret" ]; then PS1='root@board:~# ' exec sh -i; fi
  echo 'Login incorrect'
done
`;

async function openShell(testInfo: { outputPath(name: string): string }): Promise<void> {
  // Not under the test's output folder: a concurrent run may empty reports/ and take the pty's link.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-getty-'));
  const script = path.join(dir, 'getty.sh');
  fs.writeFileSync(script, fakeGetty, { mode: 0o755 });
  pty = await startPtyProgram(script, dir);
  con = await SerialConsole.open({ address: pty.harnessPath, name: 'shell console', transcriptPath: testInfo.outputPath('console.log') });
}

test('login on a real shell, then run commands with output and exit status', async ({}, testInfo) => {
  await openShell(testInfo);
  await con.login({ user: 'root', password: 's3cret', shellPrompt: /root@board:~# $/m });
  const ok = await con.run('echo hello; echo world');
  expect(ok).toEqual({ output: 'hello\nworld', exitCode: 0 });
  const bad = await con.run('ls /nonexistent-dir 2>/dev/null');
  expect(bad.exitCode).not.toBe(0);
  expect(bad.output).toBe('');
  await expect(con.run('exit 3 | true; false', { check: true })).rejects.toThrow(/exited with status 1/);
  // Already logged in: login() notices the shell prompt and returns.
  await con.login({ user: 'root', password: 's3cret', shellPrompt: /root@board:~# $/m, timeoutMs: 5000 });
  expect((await con.run('printf "no newline"')).output).toBe('no newline');
  expect(fs.readFileSync(con.transcript!.path, 'utf8')).not.toContain('s3cret');
});

test('a wrong password is reported as a login error', async ({}, testInfo) => {
  await openShell(testInfo);
  await expect(con.login({ user: 'root', password: 'wrong', timeoutMs: 10_000 })).rejects.toBeInstanceOf(LoginError);
});

test('a ser2net raw TCP port: lines arrive, and the console reconnects after the port drops', async ({}, testInfo) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  try {
    const connected = once(server, 'connection');
    con = await SerialConsole.open({ address: `127.0.0.1:${port}`, transcriptPath: testInfo.outputPath('console.log') });
    await connected;
    expect(con.name).toBe(`serial console tcp 127.0.0.1:${port}`);
    sockets[0].write('Starting kernel ...\r\n');
    await con.expect('Starting kernel', { timeoutMs: 5000 });
    const pending = con.expect('login:', { timeoutMs: 20_000 });
    const again = once(server, 'connection');
    sockets[0].destroy();
    await again;
    sockets[1].write('board login: ');
    await pending;
  } finally {
    await con.close();
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test('waiting on a closed console fails as a lab fault', async ({}, testInfo) => {
  await openPair(testInfo);
  const pending = con.expect('x', { timeoutMs: 20_000 }).catch((e) => e);
  await con.close();
  expect(await pending).toBeInstanceOf(ConsoleGoneError);
  await expect(con.expect('x')).rejects.toThrow('test console is closed; cannot wait for "x"');
});

// ---- faults (issue 10) ----

/** The paths this process holds open (its fds' targets), to find a leaked port. */
function openPaths(): string[] {
  return fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

test('close() while a vanished port is being reopened: the port ends closed, no "back" on a closed console', async ({}, testInfo) => {
  await openPair(testInfo);
  const gone = once(con, 'gone');
  board.destroy();
  await pty.stop();
  await gone;
  let back = false;
  con.on('back', () => (back = true));
  // Close at the first attempt that can succeed (the device is there again), while its open is under way.
  const harnessPath = pty.harnessPath;
  const closed = new Promise<void>((resolve, reject) => {
    const onAttempt = () => {
      if (!fs.existsSync(harnessPath)) return;
      con.off('reopening', onAttempt);
      con.close().then(resolve, reject);
    };
    con.on('reopening', onAttempt);
  });
  pty = await startPtyPair(pty.dir);
  await closed;
  expect(back).toBe(false);
  expect(con.isConnected).toBe(false);
  expect(openPaths()).not.toContain(fs.realpathSync(pty.harnessPath));
});

test('a console given up on fails pending and later waits at once, and stops watching for the device', async () => {
  // A closed handle leaves the list in the loop's close phase, which comes after the check phase
  // (setImmediate): count once a full turn has passed.
  const watchers = async () => {
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    return process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
  };
  pty = await startPtyPair();
  const before = await watchers();
  con = await SerialConsole.open({ address: pty.harnessPath, name: 'test console', maxGoneMs: 300 });
  const t0 = Date.now();
  const pending = con.expect('never', { timeoutMs: 20_000, phase: 'reboot' }).catch((e) => e);
  const givenUp = once(con, 'given-up');
  await pty.stop();
  const err = await pending;
  expect(err, String(err?.message)).toBeInstanceOf(ConsoleGoneError);
  expect(err.message).toMatch(/test console has been gone for 0\.\d s .*given up; cannot wait for "never"/);
  expect(Date.now() - t0).toBeLessThan(10_000);
  await givenUp;
  const t1 = Date.now();
  await expect(con.expect('later', { timeoutMs: 20_000 })).rejects.toBeInstanceOf(ConsoleGoneError);
  expect(Date.now() - t1, 'a later wait fails at once, not at its timeout').toBeLessThan(1000);
  await expect(con.send('x')).rejects.toBeInstanceOf(ConsoleGoneError);
  expect(await watchers(), 'no watcher is left for the device').toBe(before);
});

test('a re-enumeration ends a half line and a half escape sequence: what follows starts a line of its own', async ({}, testInfo) => {
  await openPair(testInfo);
  const lines: string[] = [];
  con.onLineReceived((l) => lines.push(l));
  await write('Restarting system.\r\nhalf a line \x1b[');
  await con.expect('half a line', { timeoutMs: 5000 });
  const gone = once(con, 'gone');
  board.destroy();
  await pty.stop();
  await gone;
  const back = once(con, 'back');
  pty = await startPtyPair(pty.dir);
  await back;
  board = fs.createWriteStream(pty.boardPath);
  await once(board, 'open');
  await write('U-Boot 2023.01 (Oct 30 2025)\r\n');
  const m = await con.expect(/^U-Boot (\S+)/m, { timeoutMs: 5000 });
  expect(m.captures[0]).toBe('2023.01');
  expect(lines).toEqual(['Restarting system.', 'half a line ', 'U-Boot 2023.01 (Oct 30 2025)']);
});

test('a command that outlives its wait is interrupted: the next command runs at once, not typed into it', async ({}, testInfo) => {
  await openShell(testInfo);
  await con.login({ user: 'root', password: 's3cret', shellPrompt: /root@board:~# $/m });
  const err = await con.run('sleep 30', { timeoutMs: 500, phase: 'confirm' }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  expect(err.message).toContain('[confirm] timed out after 0.5 s');
  expect(await con.run('echo next', { timeoutMs: 5000 })).toEqual({ output: 'next', exitCode: 0 });
  // A deadline shared with the phase bounds a command too.
  const phase = Deadline.after(400, 'install');
  await expect(con.run('sleep 30', { deadline: phase })).rejects.toThrow(/^\[install\] timed out after 0\.4 s/);
  expect(await con.run('echo again', { timeoutMs: 5000 })).toEqual({ output: 'again', exitCode: 0 });
});
