import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../fs/write-file-atomic.ts';
import { HttpError } from './http-util.ts';
import { Semaphore, SemaphoreFullError } from './semaphore.ts';

// Who may use the lab OTA service. Zero setup: a service started on an empty data folder creates
// one development partner account and writes a ready-to-use partner-ota-conf.json (mode 0600)
// beside it. Secrets are stored hashed (scrypt) in accounts.json; the plain ones exist only in
// that conf file. Nothing here logs or prints a secret.
//
// A check costs two scrypt hashes (~50 ms of CPU each, by design). They run on libuv's thread
// pool, never on the event loop, and at most two at a time: the other two pool threads stay free
// for the file streams of uploads and downloads, and device polls are answered during a login
// storm. Logins beyond those waiting in line get 503 with Retry-After. No result is cached.

const scrypt = promisify(crypto.scrypt) as (secret: string, salt: string, keylen: number) => Promise<Buffer>;

export interface Account {
  username: string;
  passwordHash: string;
  clientId: string;
  clientSecretHash: string;
  partnerId: string;
  deviceTypeIds: string[];
}

/** At account creation only (a service's first start), where nothing else waits. */
function hash(secret: string, salt = crypto.randomBytes(16).toString('hex')): string {
  return `scrypt:${salt}:${crypto.scryptSync(secret, salt, 32).toString('hex')}`;
}

async function matches(secret: string, stored: string): Promise<boolean> {
  const [, salt, want] = stored.split(':');
  const got = await scrypt(secret, salt, 32);
  const w = Buffer.from(want, 'hex');
  return w.length === got.length && crypto.timingSafeEqual(w, got);
}

/** Checked against for an unknown client, so that it costs the same time as a known one. */
const NO_ACCOUNT = `scrypt:${'0'.repeat(32)}:${'0'.repeat(64)}`;

export class Accounts {
  private readonly accounts: Account[];
  /** In order of issue, hence of expiry (one TTL for all): the expired ones are at the front. */
  private readonly tokens = new Map<string, { partnerId: string; expires: number }>();
  private readonly hashing = new Semaphore(2, 256);

  constructor(private readonly file: string, private readonly tokenTtlMs: number) {
    this.accounts = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  }

  get isEmpty(): boolean {
    return this.accounts.length === 0;
  }

  /** Creates the development partner account; returns the plain secrets for the conf file. */
  createDevelopmentAccount(): { username: string; userpw: string; clientId: string; clientSecret: string; partnerId: string; deviceTypeId: string } {
    const plain = {
      username: 'lab@ota-hil.local',
      userpw: crypto.randomBytes(12).toString('base64url'),
      clientId: crypto.randomUUID(),
      clientSecret: crypto.randomBytes(24).toString('hex'),
      partnerId: crypto.randomUUID(),
      deviceTypeId: crypto.randomUUID(),
    };
    this.accounts.push({
      username: plain.username,
      passwordHash: hash(plain.userpw),
      clientId: plain.clientId,
      clientSecretHash: hash(plain.clientSecret),
      partnerId: plain.partnerId,
      deviceTypeIds: [plain.deviceTypeId],
    });
    writeFileAtomic(this.file, JSON.stringify(this.accounts, null, 1), 0o600);
    return plain;
  }

  /** OAuth password grant: the client (Basic auth) and the user must both check out. */
  async grant(basicAuth: string | undefined, username: unknown, password: unknown): Promise<{ token: string; expiresIn: number } | undefined> {
    const m = /^Basic\s+(\S+)$/i.exec(basicAuth ?? '');
    if (!m || typeof username !== 'string' || typeof password !== 'string') return undefined;
    const decoded = Buffer.from(m[1], 'base64').toString();
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const clientId = decoded.slice(0, colon);
    const clientSecret = decoded.slice(colon + 1);
    const acct = this.accounts.find((a) => a.clientId === clientId && a.username === username);
    let ok: boolean;
    try {
      ok = await this.hashing.run(async () => (await matches(clientSecret, acct?.clientSecretHash ?? NO_ACCOUNT)) && acct !== undefined && (await matches(password, acct.passwordHash)));
    } catch (e) {
      if (e instanceof SemaphoreFullError) throw new HttpError(503, 'Service Unavailable', 'too many logins at once; try again shortly', { 'retry-after': '1' });
      throw e;
    }
    if (!ok || !acct) return undefined;
    this.pruneExpired();
    const token = crypto.randomBytes(24).toString('hex');
    this.tokens.set(token, { partnerId: acct.partnerId, expires: Date.now() + this.tokenTtlMs });
    return { token, expiresIn: Math.floor(this.tokenTtlMs / 1000) };
  }

  private pruneExpired(): void {
    const now = Date.now();
    for (const [token, t] of this.tokens) {
      if (t.expires >= now) break;
      this.tokens.delete(token);
    }
  }

  /** The account a bearer token belongs to, or why not. */
  authenticate(authorization: string | undefined): { account: Account } | { problem: string } {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return { problem: 'Full authentication is required to access this resource' };
    const t = this.tokens.get(m[1]);
    if (!t) return { problem: 'Invalid access token' };
    if (t.expires < Date.now()) {
      this.tokens.delete(m[1]);
      return { problem: 'Access token expired' };
    }
    return { account: this.accounts.find((a) => a.partnerId === t.partnerId)! };
  }
}

/** The conf file the Python tools (and `hil ota`) read, for the development account. */
export function writePartnerConf(dir: string, plain: ReturnType<Accounts['createDevelopmentAccount']>, baseUrl: string): string {
  const file = path.join(dir, 'partner-ota-conf.json');
  const conf = {
    Comments: 'Configuration file for partner Full OTA image upload tool (lab OTA service development account)',
    description: 'OTA image description',
    name: 'ota-hil-lab',
    version: '1.0',
    url: 'dummy',
    username: plain.username,
    userpw: plain.userpw,
    'auth-string': Buffer.from(`${plain.clientId}:${plain.clientSecret}`).toString('base64'),
    deviceTypeId: plain.deviceTypeId,
    partnerId: plain.partnerId,
    imageFiles: { A: 'hub_update.bin' },
    baseUrl,
    // A run with this conf may ask for damaged downloads (harness/suite/lab.ts canDamageDownloads).
    labService: true,
  };
  writeFileAtomic(file, `${JSON.stringify(conf, null, 4)}\n`, 0o600);
  fs.chmodSync(file, 0o600);
  return file;
}
