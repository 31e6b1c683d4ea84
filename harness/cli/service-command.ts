import path from 'node:path';
import { PortInUseError, startOtaService } from '../service/server.ts';
import { DataFolderBusyError } from '../service/data-folder-lock.ts';

/**
 * `hil service start`: runs the lab OTA service until SIGINT or SIGTERM, then closes it (exit 0).
 * Stdin is not read: a daemon (systemd, nohup, cron, `&`) has none. A start that fails (data
 * folder or the port named is in use, a bad option) says why on stderr and exits 2; any other, 1.
 */
export async function serviceStartCommand(o: { port: string | number; host: string; data: string; signingKey?: string }): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`hil service start: --port: expected 0-65535, found "${o.port}"\n`);
    process.exitCode = 2;
    return;
  }
  let svc;
  try {
    svc = await startOtaService({ dataDir: path.resolve(o.data), port, host: o.host, signingKeyFile: o.signingKey ? path.resolve(o.signingKey) : undefined });
  } catch (e) {
    process.stderr.write(`hil service start: ${(e as Error).message}\n`);
    process.exitCode = e instanceof DataFolderBusyError || e instanceof PortInUseError ? 2 : 1;
    return;
  }
  process.stdout.write(`lab OTA service listening on ${svc.url}\ndata: ${svc.dataDir}\nconfiguration for hil ota -c: ${svc.confPath}\n`);
  // Once: a Ctrl-C reaches both `hil` and this re-executed process, and `hil` passes it on too.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void svc.close().then(() => {
      process.stdout.write(`lab OTA service stopped (${signal})\n`);
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
