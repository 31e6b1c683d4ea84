import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { Accounts, writePartnerConf } from './accounts.ts';
import { partnerRoutes } from './partner-api.ts';
import { deviceRoutes } from './device-api.ts';
import { ServiceStore } from './store.ts';
import { lockDataFolder } from './data-folder-lock.ts';
import { requestHandler } from './request-handler.ts';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';

export interface OtaServiceOptions {
  dataDir: string;
  port?: number;
  host?: string;
  tokenTtlMs?: number;
  logger?: HarnessLogger;
  /** PEM private key (P-256) to sign headers with, e.g. the one a virtual board trusts; default: the data folder's own. */
  signingKeyFile?: string;
  /**
   * A request body (an upload) that stops arriving for this long gets a 408, and a download
   * the client stops reading is dropped. No limit on the total: a slow link may take hours.
   */
  idleTimeoutMs?: number;
}

export interface OtaService {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** partner-ota-conf.json for the development account (mode 0600). */
  readonly confPath: string;
  readonly publicKeyPem: string;
  close(): Promise<void>;
}

/** The service's image-signing key pair, made on first start and kept in the data folder (0600). */
function signingKey(dataDir: string, keyFile?: string): { key: crypto.KeyObject; publicPem: string } {
  const file = keyFile ?? path.join(dataDir, 'signing-key.pem');
  if (!keyFile && !fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileAtomic(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  }
  const key = crypto.createPrivateKey(fs.readFileSync(file));
  const publicPem = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
  writeFileAtomic(path.join(dataDir, 'signing-key.pub.pem'), publicPem);
  return { key, publicPem };
}

export class PortInUseError extends Error {}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new PortInUseError(`cannot listen on ${host}:${port}: the port is in use (another lab OTA service?); choose another --port`) : e);
    });
    server.listen(port, host, () => resolve());
  });
}

/**
 * The lab OTA service: Afero's partner REST API plus the lab's device side, persistent in
 * `dataDir`. Zero setup: an empty folder gets a development account and its partner-ota-conf.json.
 * In order: lock the data folder (one service per folder), bind the port, and only then touch the
 * folder's contents; a start that fails leaves the folder as it found it, unlocked.
 */
export async function startOtaService(o: OtaServiceOptions): Promise<OtaService> {
  const log = o.logger ?? silentLogger;
  const host = o.host ?? '127.0.0.1';
  fs.mkdirSync(o.dataDir, { recursive: true });
  const lock = lockDataFolder(o.dataDir);
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0; // no limit on a whole request: the idle timeout cuts the stalled ones
  server.timeout = o.idleTimeoutMs ?? 60_000;
  let url: string;
  let port: number;
  let confPath: string;
  let publicPem: string;
  try {
    await listen(server, o.port ?? 0, host);
    port = (server.address() as AddressInfo).port;
    // Synchronous from here to the request listener: no request can be handled half set up.
    const store = new ServiceStore(o.dataDir);
    store.removeLeftovers();
    const accounts = new Accounts(path.join(o.dataDir, 'accounts.json'), o.tokenTtlMs ?? 3600_000);
    const signing = signingKey(o.dataDir, o.signingKeyFile);
    publicPem = signing.publicPem;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    confPath = path.join(o.dataDir, 'partner-ota-conf.json');
    if (accounts.isEmpty) {
      confPath = writePartnerConf(o.dataDir, accounts.createDevelopmentAccount(), url);
      log.info({ conf: confPath }, 'created the development partner account; its partner-ota-conf.json is ready (mode 0600)');
    }
    const routes = [...partnerRoutes, ...deviceRoutes(signing.key, publicPem)];
    server.on('request', requestHandler({ routes, store, accounts, log, port, idleTimeoutMs: server.timeout }));
    log.info({ url, dataDir: o.dataDir }, 'lab OTA service listening');
  } catch (e) {
    server.close();
    lock.release();
    throw e;
  }
  return {
    url,
    port,
    dataDir: o.dataDir,
    confPath,
    publicKeyPem: publicPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          lock.release();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
