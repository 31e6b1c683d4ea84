import fs from 'node:fs';
import path from 'node:path';
import { signalDescendants } from '../process/process-tree.ts';
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

const CANNOT_LISTEN = /Unable to startup network port \S+: ([^\n]*)/;

/**
 * Starts ser2net for `connector` on 127.0.0.1:`port`; resolves once it listens. ser2net says
 * nothing when it does, but writes its pid file only after setting up its ports (seen with
 * strace: bind, listen, then the pid file), and says when it cannot listen (it then stays up,
 * serving nothing). So: the pid file's appearance (inotify), that line, or its 'exit' event.
 */
export async function startSer2net(o: { connector: string; port: number; dir: string }): Promise<Ser2net> {
  const configFile = path.join(o.dir, 'ser2net.yaml');
  const pidFile = path.join(o.dir, 'ser2net.pid');
  fs.writeFileSync(configFile, ser2netConfig(o.connector, o.port));
  fs.rmSync(pidFile, { force: true });
  // -n: stay in the foreground (tied to its keeper); -d: log to stderr; -u: no UUCP lock files.
  const proc: TiedProcess = spawnTied('ser2net', ['-n', '-d', '-u', '-c', configFile, '-P', pidFile]);
  const cannotListen = () => CANNOT_LISTEN.exec(proc.output())?.[1]?.trim();
  try {
    await waitUntil<void>({
      awaited: `ser2net listening on 127.0.0.1:${o.port} (its pid file ${pidFile})`,
      where: configFile,
      timeoutMs: 10_000,
      lastLines: () => proc.output().split('\n').slice(-5),
      watch(resolve, reject) {
        const check = () => {
          const why = cannotListen();
          if (why) reject(new Error(`ser2net cannot listen on 127.0.0.1:${o.port}: ${why}`));
          else if (fs.existsSync(pidFile)) resolve();
        };
        const exited = (code: number | null) => reject(new Error(`ser2net exited (${code}): ${proc.output().trim().slice(-300)}`));
        if (proc.child.exitCode !== null) return exited(proc.child.exitCode);
        const watcher = fs.watch(o.dir, check);
        proc.child.once('exit', exited);
        proc.child.stderr!.on('data', check);
        check();
        return () => {
          watcher.close();
          proc.child.off('exit', exited);
          proc.child.stderr!.off('data', check);
        };
      },
    });
  } catch (e) {
    // One that cannot listen does not end on SIGTERM (it keeps serving nothing), and the tie's
    // SIGKILL would end only its shell: ser2net itself is killed.
    signalDescendants(proc.child.pid!, 'SIGKILL');
    await proc.stop(1000);
    throw e;
  }
  // Stopping ends the tied process and resolves on its 'exit' event.
  return { port: o.port, configFile, stop: () => proc.stop() };
}
