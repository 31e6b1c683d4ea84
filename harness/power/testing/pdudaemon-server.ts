import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../process/free-port.ts';
import { signalDescendants } from '../../process/process-tree.ts';
import { spawnTied, type TiedProcess } from '../../process/tied-process.ts';
import { waitUntil } from '../../wait/wait-until.ts';

// A real PDUDaemon (Debian's `pdudaemon`) for tests: its HTTP listener on 127.0.0.1 at a free
// port, its configuration in a temporary folder, tied to the test process. Its PDUs are
// `localcmdline` ones: PDUDaemon runs a shell command to switch an outlet, as it would a relay;
// a test's commands append to a file or switch a virtual board (a twin's power commands).

export interface LocalPdu {
  /** Shell commands; the outlet's number is in $HIL_PDU_OUTLET. */
  on: string;
  off: string;
}

/** PDUDaemon formats the command with Python's `%` and the outlet: the outlet goes in a variable, a `%` of the command stays one. */
const localCmdline = (command: string) => `export HIL_PDU_OUTLET=%s; ${command.replaceAll('%', '%%')}`;

export interface PduDaemonServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The daemon's log so far (it logs every request and every job). */
  output(): string;
  stop(): Promise<void>;
}

export async function startPduDaemon(pdus: Record<string, LocalPdu>, o: { timeoutMs?: number } = {}): Promise<PduDaemonServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-pdudaemon-'));
  const port = await freePort();
  const conf = {
    daemon: { hostname: '127.0.0.1', port, logging_level: 'DEBUG', listener: 'http' },
    pdus: Object.fromEntries(Object.entries(pdus).map(([name, p]) => [name, { driver: 'localcmdline', cmd_on: localCmdline(p.on), cmd_off: localCmdline(p.off) }])),
  };
  const confFile = path.join(dir, 'pdudaemon.conf');
  fs.writeFileSync(confFile, JSON.stringify(conf, null, 2));
  const proc: TiedProcess = spawnTied('pdudaemon', ['--conf', confFile, '--logfile', '-']);
  try {
    await waitUntil({
      awaited: 'PDUDaemon to listen',
      where: `127.0.0.1:${port}`,
      timeoutMs: o.timeoutMs ?? 20_000,
      lastLines: () => proc.output().split('\n').slice(-10),
      watch(resolve, reject) {
        const check = () => {
          if (proc.output().includes(`Listening on 127.0.0.1:${port}`)) resolve(undefined);
        };
        proc.child.stdout!.on('data', check);
        proc.child.stderr!.on('data', check);
        void proc.exited.then((code) => reject(new Error(`pdudaemon exited at start (${code}): ${proc.output().trim().split('\n').slice(-5).join('\n')}`)));
        check();
        return () => {
          proc.child.stdout!.off('data', check);
          proc.child.stderr!.off('data', check);
        };
      },
    });
  } catch (e) {
    await proc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => proc.output(),
    async stop() {
      // Its graceful stop waits for open HTTP connections (fetch keeps them alive) up to aiohttp's
      // minute; a test's daemon has nothing to save: it and the PDU commands it runs are killed.
      signalDescendants(proc.child.pid!, 'SIGKILL');
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
