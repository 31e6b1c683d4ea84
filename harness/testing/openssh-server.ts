import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../process/free-port.ts';
import { spawnTied, type TiedProcess } from '../process/tied-process.ts';
import { signalDescendants } from '../process/process-tree.ts';
import { fingerprintOfPublicKeyLine } from '../ssh/fingerprint.ts';
import type { SshTarget } from '../ssh/ssh-session.ts';

// A real OpenSSH server (Debian `openssh-server`) on a loopback high port, with a temporary
// config and keys, for the SSH tests and benchmarks. It stands in for a board's sshd.

const SSHD = '/usr/sbin/sshd';

export interface OpenSshServer {
  readonly dir: string;
  readonly target: SshTarget;
  /** Host key fingerprint as `ssh-keygen -l` prints it. */
  readonly hostKeyFingerprintByKeygen: string;
  /** Kills the server and every session it holds, the way a board's reboot does; starts again with `start()`. */
  crash(): void;
  start(): Promise<void>;
  /** Freezes the server and its sessions (a board that hangs without closing connections). */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
  /** What the running sshd has logged (its last 16 KiB): who logged in, which sessions started. */
  log(): string;
}

function keygen(file: string, type = 'ecdsa'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'ota-hil-test', '-f', file]);
}

export async function startOpenSshServer(): Promise<OpenSshServer> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} not found: install Debian's openssh-server (apt-get install openssh-server)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-sshd-'));
  const port = await freePort();
  keygen(path.join(dir, 'host_ecdsa'));
  keygen(path.join(dir, 'client_key'));
  fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
  fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  const user = os.userInfo().username;
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host_ecdsa`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'Subsystem sftp internal-sftp',
      // A board's shell reads no rc file for a command; Debian's bash does when sshd runs it
      // (SSH_SOURCE_BASHRC), unless it is a nested shell. The host user's ~/.bashrc (pyenv or nvm
      // init, which can wait a minute on a lock a killed session left behind) must not delay or
      // break the tests' commands.
      'SetEnv SHLVL=1',
      // VERBOSE: sshd then logs each session it starts ("Starting session: subsystem 'sftp'..."), which tests count.
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const hostPub = fs.readFileSync(path.join(dir, 'host_ecdsa.pub'), 'utf8');
  const keygenLine = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'host_ecdsa.pub')]).toString();
  let proc: TiedProcess | undefined;

  const start = async () => {
    const p = spawnTied(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')]);
    proc = p;
    // sshd says when it listens; wait for that line rather than for time to pass.
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (/Server listening on 127\.0\.0\.1 port/.test(p.output())) done(resolve);
      };
      const onExit = () => done(() => reject(new Error(`sshd exited at start: ${p.output()}`)));
      const timer = setTimeout(() => done(() => reject(new Error(`sshd did not listen within 10 s: ${p.output()}`))), 10_000);
      const done = (f: () => void) => {
        clearTimeout(timer);
        p.child.stderr!.off('data', onData);
        p.child.off('exit', onExit);
        f();
      };
      p.child.stderr!.on('data', onData);
      p.child.once('exit', onExit);
      onData();
    });
  };
  await start();

  return {
    dir,
    target: {
      host: '127.0.0.1',
      port,
      user,
      privateKeyPath: path.join(dir, 'client_key'),
      hostKeyFingerprint: fingerprintOfPublicKeyLine(hostPub),
    },
    hostKeyFingerprintByKeygen: keygenLine.split(' ')[1],
    crash() {
      if (proc) signalDescendants(proc.child.pid!, 'SIGKILL');
    },
    start,
    log: () => proc?.output() ?? '',
    freeze() {
      if (proc) signalDescendants(proc.child.pid!, 'SIGSTOP');
    },
    thaw() {
      if (proc) signalDescendants(proc.child.pid!, 'SIGCONT');
    },
    async stop() {
      if (!proc) return;
      signalDescendants(proc.child.pid!, 'SIGCONT');
      signalDescendants(proc.child.pid!, 'SIGKILL');
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
