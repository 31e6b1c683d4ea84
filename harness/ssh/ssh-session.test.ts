import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { SshSession } from './ssh-session.ts';
import { startOpenSshServer, type OpenSshServer } from '../testing/openssh-server.ts';
import { HostKeyMismatchError, SshAuthError, SshUnreachableError, WaitTimeoutError, CommandError } from '../errors.ts';
import { Deadline } from '../wait/deadline.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { sshFingerprint } from './fingerprint.ts';

// Against a real OpenSSH server on a loopback high port, started for these tests.

let server: OpenSshServer;
let session: SshSession | undefined;

test.beforeEach(async () => {
  server = await startOpenSshServer();
});

test.afterEach(async () => {
  session?.close();
  session = undefined;
  await server.stop();
});

test('our host-key fingerprint is the one ssh-keygen prints', () => {
  expect(server.target.hostKeyFingerprint).toBe(server.hostKeyFingerprintByKeygen);
  expect(sshFingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
});

test('exec returns stdout, stderr and exit status', async () => {
  session = new SshSession(server.target);
  await session.connect();
  const r = await session.exec('echo out; echo err >&2; exit 3');
  expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3, signal: undefined });
  expect((await session.exec('cat', { stdin: 'piped in' })).stdout).toBe('piped in');
  await expect(session.exec('false', { check: true })).rejects.toBeInstanceOf(CommandError);
});

test('exec that outlives its timeout fails naming the command and where', async () => {
  session = new SshSession(server.target);
  await session.connect();
  const err = await session.exec('echo started; sleep 30', { timeoutMs: 500, phase: 'confirm' }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  expect(err.message).toContain(`[confirm] timed out after 0.5 s waiting for "echo started; sleep 30" to finish on ${session.where}`);
  expect(err.message).toContain('  | started');
});

test('a host key other than the pinned one is refused, and not retried', async () => {
  const wrong = 'SHA256:' + crypto.createHash('sha256').update('another board').digest('base64').replace(/=+$/, '');
  session = new SshSession({ ...server.target, hostKeyFingerprint: wrong });
  const err = await session.waitUntilUp({ timeoutMs: 20_000 }).catch((e) => e);
  expect(err).toBeInstanceOf(HostKeyMismatchError);
  expect(err.failureClass).toBe('lab-fault');
  expect(err.message).toContain(`expected ${wrong}, found ${server.target.hostKeyFingerprint}`);
  expect(session.isConnected).toBe(false);
});

test('a server restart mid-session is noticed and recovered by waitUntilUp()', async () => {
  session = new SshSession(server.target);
  await session.connect();
  expect((await session.exec('echo before')).stdout).toBe('before\n');
  const lost = once(session, 'disconnected');
  server.crash();
  await lost;
  expect(session.isConnected).toBe(false);
  await expect(session.exec('echo during')).rejects.toBeInstanceOf(SshUnreachableError);
  const up = session.waitUntilUp({ timeoutMs: 30_000, phase: 'reboot' });
  await server.start();
  await up;
  expect((await session.exec('echo after')).stdout).toBe('after\n');
});

test('a board that hangs without closing the connection is noticed by keepalive', async () => {
  session = new SshSession(server.target, { keepaliveIntervalMs: 500, keepaliveCountMax: 2 });
  await session.connect();
  const lost = once(session, 'disconnected');
  server.freeze();
  await lost; // without keepalives this would never come
  server.thaw();
});

test('waitUntilUp gives up at its deadline as a lab fault naming the phase and the last error', async () => {
  server.crash();
  session = new SshSession(server.target);
  const err = await session.waitUntilUp({ timeoutMs: 1500, phase: 'reboot' }).catch((e) => e);
  expect(err).toBeInstanceOf(SshUnreachableError);
  expect(err.failureClass).toBe('lab-fault');
  expect(err.message).toMatch(/^\[reboot\] ssh .* did not come up within 1\.5 s \(\d+ attempts; last error: .*ECONNREFUSED/);
});

test('SFTP put and get with progress; the bytes arrive intact', async ({}, testInfo) => {
  session = new SshSession(server.target);
  await session.connect();
  const local = testInfo.outputPath('payload.bin');
  const data = crypto.randomBytes(3 << 20);
  fs.writeFileSync(local, data);
  const remote = `${server.dir}/uploaded.bin`;
  const progress: number[] = [];
  await session.put(local, remote, (p) => progress.push(p.transferred));
  expect(progress.length).toBeGreaterThan(1);
  expect(progress.at(-1)).toBe(data.length);
  const remoteSha = execFileSync('sha256sum', [remote]).toString().split(' ')[0];
  expect(remoteSha).toBe(crypto.createHash('sha256').update(data).digest('hex'));
  const back = testInfo.outputPath('back.bin');
  await session.get(remote, back);
  expect(fs.readFileSync(back).equals(data)).toBe(true);
});

test('an unreadable private key is reported with its path', async () => {
  session = new SshSession({ ...server.target, privateKeyPath: '/nonexistent/key' });
  await expect(session.connect()).rejects.toThrow(/cannot read the private key file \/nonexistent\/key/);
});

test('a server that closes after its banner (sshd starting or stopping) ends the attempt at once', async () => {
  // A fault no real sshd shows on demand: an in-process listener that says hello, then hangs up.
  const net = await import('node:net');
  const fake = net.createServer((sock) => {
    sock.write('SSH-2.0-dropbear_2022.83\r\n');
    sock.once('data', () => sock.destroy());
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  try {
    session = new SshSession({ ...server.target, port: (fake.address() as import('node:net').AddressInfo).port });
    const t0 = Date.now();
    const err = await session.connect(20_000).catch((e) => e);
    expect(err).toBeInstanceOf(SshUnreachableError);
    expect(err.message).toContain('the connection closed during the SSH handshake');
    expect(Date.now() - t0, 'no wait for the 20 s handshake budget').toBeLessThan(5_000);
  } finally {
    fake.close();
  }
});

// ---- faults (issue 10) ----

test('a channel open the server never answers ends at the deadline, not never', async () => {
  // A frozen sshd keeps the TCP connection up and answers nothing; keepalives off so that only
  // the exec's own bound can end the wait.
  session = new SshSession(server.target, { keepaliveIntervalMs: 0 });
  await session.connect();
  server.freeze();
  try {
    const t0 = Date.now();
    const err = await session.exec('true', { deadline: Deadline.after(800, 'confirm') }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toContain(`[confirm] timed out after 0.8 s waiting for the board to start "true" on ${session.where}`);
    expect(Date.now() - t0).toBeLessThan(5000);
  } finally {
    server.thaw();
  }
});

test('a connection lost while a command runs rejects as a lab fault, not as the command ending', async () => {
  session = new SshSession(server.target);
  await session.connect();
  const marker = `${server.dir}/running`;
  const pending = session.exec(`touch ${marker}; sleep 30`, { timeoutMs: 20_000, phase: 'install' }).catch((e) => e);
  await waitForPath(marker, { timeoutMs: 10_000, what: 'the command to start' });
  server.crash();
  const err = await pending;
  expect(err).toBeInstanceOf(SshUnreachableError);
  expect(err.failureClass).toBe('lab-fault');
  expect(err.message).toMatch(/^\[install\] ssh .*: the connection was lost while "touch .* sleep 30" ran/);
});

/** Ends a command the test started through sshd, by the pid it wrote (renamed into place whole). */
function killRemote(pidFile: string): void {
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  expect(pid, `pid in ${pidFile}`).toBeGreaterThan(1);
  process.kill(pid, 'SIGTERM');
}

test('a log stream that ends by itself is reported, one stopped by us is not', async () => {
  session = new SshSession(server.target);
  await session.connect();
  const ended: Error[] = [];
  const pidFile = `${server.dir}/follower.pid`;
  const s = await session.stream(`echo $$ > ${pidFile}.new && mv ${pidFile}.new ${pidFile}; exec sleep 60`, () => undefined, { onEnd: (e) => ended.push(e) });
  await waitForPath(pidFile, { timeoutMs: 10_000, what: 'the follower to start' });
  const closed = once(s.channel, 'close');
  killRemote(pidFile);
  await closed;
  expect(ended).toHaveLength(1);
  expect(ended[0]).toBeInstanceOf(SshUnreachableError);
  expect(ended[0].message).toMatch(/"echo .*; exec sleep 60" stopped: killed by signal SIGTERM/);
  // sshd closes a channel once its command has exited: stop, then end the command.
  fs.rmSync(pidFile);
  const quiet = await session.stream(`echo $$ > ${pidFile}.new && mv ${pidFile}.new ${pidFile}; exec sleep 60`, () => undefined, { onEnd: (e) => ended.push(e) });
  await waitForPath(pidFile, { timeoutMs: 10_000, what: 'the second follower to start' });
  const quietClosed = once(quiet.channel, 'close');
  quiet.stop();
  killRemote(pidFile);
  await quietClosed;
  expect(ended).toHaveLength(1);
});

test('a key the board refuses, or one that cannot be read, fails waitUntilUp at once', async ({}, testInfo) => {
  const otherKey = testInfo.outputPath('other_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  for (const privateKeyPath of [otherKey, '/nonexistent/key']) {
    session?.close();
    session = new SshSession({ ...server.target, privateKeyPath });
    const t0 = Date.now();
    const err = await session.waitUntilUp({ timeoutMs: 30_000, phase: 'boot' }).catch((e) => e);
    expect(err).toBeInstanceOf(SshAuthError);
    expect(err.failureClass).toBe('lab-fault');
    expect(err.message).toContain(privateKeyPath);
    expect(Date.now() - t0, 'not retried until the deadline').toBeLessThan(10_000);
  }
});

test('concurrent connect() and SFTP transfers share one connection and one SFTP channel', async ({}, testInfo) => {
  session = new SshSession(server.target);
  await Promise.all([session.connect(), session.connect(), session.waitUntilUp({ timeoutMs: 10_000 })]);
  const local = testInfo.outputPath('small.bin');
  fs.writeFileSync(local, crypto.randomBytes(1000));
  await Promise.all([session.put(local, `${server.dir}/a.bin`), session.put(local, `${server.dir}/b.bin`)]);
  expect(fs.readFileSync(`${server.dir}/b.bin`).equals(fs.readFileSync(local))).toBe(true);
  const log = server.log();
  expect(log.match(/Accepted publickey for/g), log).toHaveLength(1);
  expect(log.match(/subsystem 'sftp'/g), log).toHaveLength(1);
});

test('exec within a phase deadline: the command gets only what is left of it', async () => {
  session = new SshSession(server.target);
  await session.connect();
  const phase = Deadline.after(700, 'confirm');
  expect((await session.exec('echo quick', { deadline: phase, timeoutMs: 60_000 })).stdout).toBe('quick\n');
  const err = await session.exec('sleep 30', { deadline: phase, timeoutMs: 60_000 }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  expect(err.message).toMatch(/^\[confirm\] timed out after 0\.\d s waiting for "sleep 30" to finish/);
});
