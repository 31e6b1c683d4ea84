import path from 'node:path';
import { startOtaService } from '../service/server.ts';

/** `hil service start`: runs the lab OTA service until interrupted. */
export async function serviceStartCommand(o: { port: string; host: string; data: string; signingKey?: string }): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, found "${o.port}"`);
  const svc = await startOtaService({ dataDir: path.resolve(o.data), port, host: o.host, signingKeyFile: o.signingKey ? path.resolve(o.signingKey) : undefined });
  process.stdout.write(`lab OTA service listening on ${svc.url}\ndata: ${svc.dataDir}\nconfiguration for hil ota -c: ${svc.confPath}\n`);
  const stop = () => void svc.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // If whoever started us goes away (stdin closed on a pipe), stop too: no orphaned service.
  if (!process.stdin.isTTY) {
    process.stdin.resume();
    process.stdin.once('end', stop);
  }
}
