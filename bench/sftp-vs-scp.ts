import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SshSession } from '../harness/ssh/ssh-session.ts';
import { startOpenSshServer } from '../harness/testing/openssh-server.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** SFTP put of a file to a local OpenSSH server: ssh2 against OpenSSH's scp, alternating, same run. */
export async function benchSftpVsScp(sizeMiB = 64, rounds = 3): Promise<{ sizeMiB: number; ssh2MiBps: number; scpMiBps: number; ratio: number; nativeCrypto: boolean }> {
  const server = await startOpenSshServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-'));
  const local = path.join(dir, 'payload.bin');
  fs.writeFileSync(local, crypto.randomBytes(sizeMiB << 20));
  const session = new SshSession(server.target);
  const ssh2Times: number[] = [];
  const scpTimes: number[] = [];
  let nativeCrypto = false;
  try {
    await session.connect();
    try {
      const req = (await import('node:module')).createRequire(import.meta.url);
      req('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
      nativeCrypto = true;
    } catch {
      nativeCrypto = false;
    }
    const t = server.target;
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      await session.put(local, `${server.dir}/ssh2.bin`);
      ssh2Times.push((performance.now() - t0) / 1000);
      t0 = performance.now();
      execFileSync('scp', ['-q', '-P', String(t.port), '-i', t.privateKeyPath, '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${dir}/known_hosts`, local, `${t.user}@${t.host}:${server.dir}/scp.bin`]);
      scpTimes.push((performance.now() - t0) / 1000);
    }
  } finally {
    session.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ssh2MiBps = sizeMiB / median(ssh2Times);
  const scpMiBps = sizeMiB / median(scpTimes);
  return { sizeMiB, ssh2MiBps: Math.round(ssh2MiBps * 10) / 10, scpMiBps: Math.round(scpMiBps * 10) / 10, ratio: Math.round((ssh2MiBps / scpMiBps) * 100) / 100, nativeCrypto };
}
