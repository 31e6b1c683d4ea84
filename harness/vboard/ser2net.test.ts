import { execFileSync } from 'node:child_process';
import { test, expect } from '@playwright/test';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { startPtyProgram } from '../testing/pty-pair.ts';
import { freePort } from '../process/free-port.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { startSer2net, ser2netConfig, serialDevice } from './ser2net.ts';

// Debian's real ser2net in front of a pty (as in front of a twin's QEMU serial), with a shell
// playing the board: its prompt reaches the TCP client, and the client's answer reaches the board.

test('the serial is a raw TCP port on loopback: what the board writes reaches the client, and back', async ({}, testInfo) => {
  const dir = testInfo.outputPath('ser2net');
  fs.mkdirSync(dir, { recursive: true });
  const answer = `${dir}/answer`;
  // A script file: socat's EXEC address would split the program's own colons and commas. The prompt
  // repeats (busybox read -t), as a getty's does: ser2net drops what came before a client connected.
  fs.writeFileSync(`${dir}/board.sh`, `while :; do printf 'login: '; if read -t 0.3 -r line; then echo "$line" > ${answer}.part && mv ${answer}.part ${answer}; exit 0; fi; done\n`);
  const pty = await startPtyProgram(`busybox sh ${dir}/board.sh`);
  // Held open for the whole test, as QEMU holds its pty: socat ends when every opener of its pty
  // has closed it, and ser2net closes the device after its start-up probe. Never read from.
  const hold = fs.openSync(pty.harnessPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const s2n = await startSer2net({ connector: serialDevice(pty.harnessPath), port: await freePort(), dir });
  try {
    expect(fs.readFileSync(s2n.configFile, 'utf8')).toBe(ser2netConfig(serialDevice(pty.harnessPath), s2n.port));
    const client = net.connect({ host: '127.0.0.1', port: s2n.port });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`the TCP client: no "login: " within 5 s (got ${JSON.stringify(seen)})`)), 5000);
      client.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('login: ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      client.once('error', reject);
    });
    client.write('root\r');
    await waitForPath(answer, { timeoutMs: 5000, what: "the board's copy of the client's answer" });
    expect(fs.readFileSync(answer, 'utf8')).toBe('root\n');
    client.destroy();
  } finally {
    await s2n.stop();
    fs.closeSync(hold);
    await pty.stop();
  }
});

test('a port someone else holds fails the start at once, naming it (a probe would have reached the holder)', async ({}, testInfo) => {
  const dir = testInfo.outputPath('ser2net-taken');
  fs.mkdirSync(dir, { recursive: true });
  const holder = net.createServer((c) => c.destroy()).listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const t0 = Date.now();
    const err = await startSer2net({ connector: 'tcp,127.0.0.1,1', port, dir }).then(async (s) => (await s.stop(), undefined), (e: Error) => e);
    expect(err?.message).toContain(`ser2net cannot listen on 127.0.0.1:${port}: Address already in use`);
    expect(Date.now() - t0, 'long before the 10 s bound').toBeLessThan(5000);
    expect(ser2netsOf(dir), 'the ser2net that could not listen is gone').toEqual([]);
  } finally {
    holder.close();
  }
});

/** Pids of ser2net processes whose configuration is in `dir`. */
function ser2netsOf(dir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^ser2net .*${dir}/`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch (e) {
    if ((e as { status?: number }).status === 1) return [];
    throw e;
  }
}
