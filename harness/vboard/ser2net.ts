import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnTied, type TiedProcess } from '../process/tied-process.ts';
import { waitUntil } from '../wait/wait-until.ts';

// Debian's ser2net (4.x) in front of a twin's serial, as a rack has it in front of a board's UART:
// a raw TCP port on loopback, one client at a time (a new one takes over, as labs set it), the
// line opened when a client connects: a serial device, or (a twin) its UART relay's TCP port.
// Its configuration is written per twin, beside its state.

export interface Ser2net {
  readonly port: number;
  readonly configFile: string;
  stop(): Promise<void>;
}

/** ser2net's connector for a serial device (a USB adapter, a pty). */
export const serialDevice = (device: string) => `serialdev,${device},115200n81,local`;
/** ser2net's connector for a TCP port on loopback (a twin's UART relay). */
export const tcpLine = (port: number) => `tcp,127.0.0.1,${port}`;

export function ser2netConfig(connector: string, port: number): string {
  return [
    '%YAML 1.1',
    '---',
    '# Written by `hil vboard up --twin`: the twin\'s serial as a raw TCP port, as on the rack.',
    'connection: &twin',
    `  accepter: tcp,127.0.0.1,${port}`,
    `  connector: ${connector}`,
    '  options:',
    '    kickolduser: true',
    '',
  ].join('\n');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts ser2net for `connector` on 127.0.0.1:`port`; resolves once the port accepts a connection. */
export async function startSer2net(o: { connector: string; port: number; dir: string }): Promise<Ser2net> {
  const configFile = path.join(o.dir, 'ser2net.yaml');
  fs.writeFileSync(configFile, ser2netConfig(o.connector, o.port));
  // -n: stay in the foreground (tied to its keeper); -d: log to stderr; -u: no UUCP lock files.
  const proc: TiedProcess = spawnTied('ser2net', ['-n', '-d', '-u', '-c', configFile, '-P', path.join(o.dir, 'ser2net.pid')]);
  let up = false;
  await waitUntil<void>({
    awaited: `ser2net accepting on 127.0.0.1:${o.port}`,
    where: configFile,
    timeoutMs: 10_000,
    lastLines: () => proc.output().split('\n').slice(-5),
    watch(resolve, reject) {
      let stopped = false;
      const poll = async () => {
        // ser2net says nothing when it listens: ask the port (a probe connection is dropped at once).
        while (!stopped && !up) {
          if (proc.child.exitCode !== null) return reject(new Error(`ser2net exited: ${proc.output().trim().slice(-300)}`));
          up = await accepts(o.port);
          if (!up) await new Promise((r) => setTimeout(r, 100));
        }
        if (up) resolve();
      };
      void poll();
      return () => (stopped = true);
    },
  });
  return { port: o.port, configFile, stop: () => proc.stop() };
}
