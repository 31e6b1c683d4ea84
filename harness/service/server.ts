import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { Accounts, writePartnerConf } from './accounts.ts';
import { HttpError, sendError } from './http-util.ts';
import { partnerRoutes, type Route, type RouteContext } from './partner-api.ts';
import { deviceRoutes } from './device-api.ts';
import { ServiceStore } from './store.ts';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';

export interface OtaServiceOptions {
  dataDir: string;
  port?: number;
  host?: string;
  tokenTtlMs?: number;
  logger?: HarnessLogger;
  /** PEM private key (P-256) to sign headers with, e.g. the one a virtual board trusts; default: the data folder's own. */
  signingKeyFile?: string;
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
  fs.writeFileSync(path.join(dataDir, 'signing-key.pub.pem'), publicPem);
  return { key, publicPem };
}

/**
 * The lab OTA service: Afero's partner REST API plus the lab's device side, persistent in
 * `dataDir`. Zero setup: an empty folder gets a development account and its partner-ota-conf.json.
 */
export async function startOtaService(o: OtaServiceOptions): Promise<OtaService> {
  const log = o.logger ?? silentLogger;
  fs.mkdirSync(o.dataDir, { recursive: true });
  const store = new ServiceStore(o.dataDir);
  const accounts = new Accounts(path.join(o.dataDir, 'accounts.json'), o.tokenTtlMs ?? 3600_000);
  const { key, publicPem } = signingKey(o.dataDir, o.signingKeyFile);
  const routes: Route[] = [...partnerRoutes, ...deviceRoutes(key, publicPem)];

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://service');
    try {
      let params: Record<string, string> | undefined;
      let methodMismatch = false;
      const route = routes.find((r) => {
        const m = r.pattern.exec(url.pathname);
        if (!m) return false;
        if (r.method !== req.method) {
          methodMismatch = true;
          return false;
        }
        params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
        return true;
      });
      if (!route) throw methodMismatch ? new HttpError(405, 'Method Not Allowed', `${req.method} is not allowed here`) : new HttpError(404, 'Not Found', 'no such endpoint');
      const ctx: RouteContext = { req, res, url, store, accounts, baseUrl: `http://${req.headers.host ?? `127.0.0.1:${port}`}` };
      if (route.auth) {
        const a = accounts.authenticate(req.headers.authorization);
        if ('problem' in a) throw new HttpError(401, 'invalid_token', a.problem);
        if (params!.pid !== undefined && params!.pid !== a.account.partnerId) throw new HttpError(403, 'Forbidden', `partner ${params!.pid} is not this account's`);
        ctx.account = a.account;
      }
      await route.handle(ctx, params!);
      log.debug({ method: req.method, path: url.pathname, status: res.statusCode }, 'request');
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'Internal Server Error', (e as Error).message);
      if (err.status >= 500) log.error({ method: req.method, path: url.pathname, err: (e as Error).message }, 'request failed');
      sendError(res, req, err);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host === '0.0.0.0' ? '127.0.0.1' : (o.host ?? '127.0.0.1')}:${port}`;
  let confPath = path.join(o.dataDir, 'partner-ota-conf.json');
  if (accounts.isEmpty) {
    confPath = writePartnerConf(o.dataDir, accounts.createDevelopmentAccount(), url);
    log.info({ conf: confPath }, 'created the development partner account; its partner-ota-conf.json is ready (mode 0600)');
  }
  log.info({ url, dataDir: o.dataDir }, 'lab OTA service listening');
  return {
    url,
    port,
    dataDir: o.dataDir,
    confPath,
    publicKeyPem: publicPem,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
