import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { recordProblems, type OtaRecord } from '../ota/record.ts';
import { HttpError, isNoSpace, readBody, readJson, sendJson } from './http-util.ts';
import type { Accounts, Account } from './accounts.ts';
import { labFaults, type ServiceStore, type FirmwareImage, type LabFault } from './store.ts';

// The partner REST API of Afero's cloud OTA service, as partner-ota-hub-uploader.py and
// partner-ota-hub-deploy.py call it: same paths, bodies and status codes (../docs/ota-service.md).

export interface Route {
  method: string;
  pattern: RegExp;
  /** Needs a bearer token whose partner matches the path's partnerId. */
  auth: boolean;
  handle(c: RouteContext, p: Record<string, string>): Promise<void>;
}

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  account?: Account;
  store: ServiceStore;
  accounts: Accounts;
  /** Base URL as the caller reached us (for image URLs). */
  baseUrl: string;
}

const P = '/v1/ota/partners/(?<pid>[^/]+)';
const DT = `${P}/deviceTypes/(?<dtid>[^/]+)`;

function requireDeviceType(c: RouteContext, dtid: string): void {
  if (!c.account!.deviceTypeIds.includes(dtid)) throw new HttpError(404, 'Not Found', `device type ${dtid} does not belong to this partner`);
}

function imageView(i: FirmwareImage): Record<string, unknown> {
  return { id: i.imageId, version: i.version, versionNumber: i.versionNumber, name: i.name, description: i.description, type: i.type, url: i.url, size: i.size, sha256: i.sha256, createdTimestamp: i.createdTimestamp, updatedTimestamp: i.updatedTimestamp, tags: i.tags, partnerId: i.partnerId, recordId: i.id };
}

export const partnerRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/oauth\/token$/,
    auth: false,
    async handle(c) {
      const form = new URLSearchParams(await readBody(c.req));
      if (form.get('grant_type') !== 'password') throw new HttpError(400, 'unsupported_grant_type', 'grant_type must be "password"');
      const g = await c.accounts.grant(c.req.headers.authorization, form.get('username'), form.get('password'));
      if (!g) throw new HttpError(401, 'unauthorized', 'Bad credentials');
      sendJson(c.res, 200, { access_token: g.token, token_type: 'bearer', expires_in: g.expiresIn, scope: 'account' });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${P}/pool/types/(?<type>\\d+)/names/(?<name>[^/]+)/versions/(?<version>[^/]+)/exists$`),
    auth: true,
    async handle(c, p) {
      const exists = c.store.data.records.some((r) => r.partnerId === p.pid && r.type === Number(p.type) && r.name === p.name && r.version === p.version);
      sendJson(c.res, 200, { value: exists });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${P}/pool$`),
    auth: true,
    async handle(c, p) {
      const body = await readJson(c.req);
      const problems = recordProblems(body);
      if (problems.length) throw new HttpError(400, 'Bad Request', problems.join('; '));
      const { name, version } = body as { name: string; version: string };
      if (c.store.data.records.some((r) => r.partnerId === p.pid && r.name === name && r.version === version)) {
        throw new HttpError(409, 'Conflict', `an OTA record named ${name} with version ${version} exists`);
      }
      const record = c.store.update((s) => {
        const now = Date.now();
        const type = 5;
        const vn = s.nextVersionNumber[type] ?? 1;
        s.nextVersionNumber[type] = vn + 1;
        const r: OtaRecord = {
          createdTimestamp: now,
          description: typeof body.description === 'string' ? body.description : '',
          id: String(s.nextRecordId++),
          name,
          partnerId: p.pid,
          tags: Array.isArray(body.tags) ? (body.tags as string[]) : [],
          type,
          updatedTimestamp: now,
          url: '',
          version,
          versionNumber: String(vn),
        };
        s.records.push(r);
        return r;
      });
      sendJson(c.res, 201, record);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${DT}/firmwareImages/types/(?<type>\\d+)/versionNumbers/(?<vn>[^/]+)$`),
    auth: true,
    async handle(c, p) {
      requireDeviceType(c, p.dtid);
      const img = c.store.data.images.find((i) => i.deviceTypeId === p.dtid && i.type === Number(p.type) && i.versionNumber === p.vn);
      if (!img) throw new HttpError(404, 'Not Found', `no firmware image with versionNumber ${p.vn}`);
      sendJson(c.res, 200, imageView(img));
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${P}/binaries$`),
    auth: true,
    async handle(c) {
      // Afero's uploader and `hil ota upload` send the raw image as application/octet-stream.
      const type = c.req.headers['content-type'];
      if (type?.split(';')[0].trim().toLowerCase() !== 'application/octet-stream') throw new HttpError(415, 'Unsupported Media Type', `Content-Type: expected application/octet-stream, found ${type ?? 'none'}`);
      // Streamed to disk while hashing: memory stays flat whatever the image size.
      const tmp = c.store.newTmpPath();
      const hash = crypto.createHash('sha256');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          cb(null, chunk);
        },
      });
      try {
        // Not pipeline(c.req, ...): on a write error that would destroy the request, hence the
        // connection, and the client would get a reset instead of the 507.
        await pipeline(c.req.iterator({ destroyOnReturn: false }), tap, fs.createWriteStream(tmp));
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        if (isNoSpace(e)) throw e;
        throw new HttpError(400, 'Bad Request', `upload interrupted: ${(e as Error).message}`);
      }
      if (size === 0) {
        fs.rmSync(tmp, { force: true });
        throw new HttpError(400, 'Bad Request', 'empty image');
      }
      const sha = hash.digest('hex');
      try {
        fs.renameSync(tmp, c.store.blobPath(sha));
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
      c.store.update((s) => {
        if (!s.binaries.some((b) => b.sha256 === sha)) s.binaries.push({ sha256: sha, size });
      });
      sendJson(c.res, 200, { value: sha });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${P}/binaries/moveToRepository$`),
    auth: true,
    async handle(c) {
      const { value, labFault } = await readJson(c.req);
      if (typeof value !== 'string' || !c.store.data.binaries.some((b) => b.sha256 === value)) throw new HttpError(404, 'Not Found', `no uploaded binary with sha256 ${String(value)}`);
      sendJson(c.res, 200, { value: `${c.baseUrl}/v1/ota/lab/binaries/${value}` });
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${P}/pool/types/(?<type>\\d+)/versionNumbers/(?<vn>[^/]+)$`),
    auth: true,
    async handle(c, p) {
      const body = await readJson(c.req);
      const problems = recordProblems(body);
      if (problems.length) throw new HttpError(400, 'Bad Request', problems.join('; '));
      const found = c.store.update((s) => {
        const r = s.records.find((x) => x.partnerId === p.pid && x.type === Number(p.type) && x.versionNumber === p.vn);
        if (!r) return false;
        // The service owns ids, versionNumbers and timestamps; the caller may change the rest.
        Object.assign(r, { description: body.description ?? r.description, name: body.name, tags: body.tags ?? r.tags, url: typeof body.url === 'string' ? body.url : r.url, version: body.version, updatedTimestamp: Date.now() });
        return true;
      });
      if (!found) throw new HttpError(404, 'Not Found', `no OTA record with versionNumber ${p.vn}`);
      c.res.writeHead(204).end();
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${DT}/firmwareImages$`),
    auth: true,
    async handle(c, p) {
      requireDeviceType(c, p.dtid);
      const body = await readJson(c.req);
      const record = c.store.data.records.find((r) => r.partnerId === p.pid && r.versionNumber === String(body.versionNumber) && r.type === 5);
      if (!record) throw new HttpError(404, 'Not Found', `no OTA record with versionNumber ${String(body.versionNumber)}`);
      const sha = /\/binaries\/([0-9a-f]{64})$/.exec(record.url)?.[1];
      const bin = c.store.data.binaries.find((b) => b.sha256 === sha);
      if (!bin) throw new HttpError(400, 'Bad Request', `OTA record ${record.versionNumber} has no uploaded image (url is "${record.url}")`);
      if (c.store.data.images.some((i) => i.deviceTypeId === p.dtid && i.versionNumber === record.versionNumber)) {
        throw new HttpError(409, 'Conflict', `firmware image ${record.versionNumber} is already associated with device type ${p.dtid}`);
      }
      const img = c.store.update((s) => {
        const i: FirmwareImage = { ...record, imageId: String(s.nextImageId++), deviceTypeId: p.dtid, sha256: bin.sha256, size: bin.size, associatedTimestamp: Date.now() };
        s.images.push(i);
        return i;
      });
      sendJson(c.res, 201, imageView(img));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${DT}/firmwareImages/types/(?<type>\\d+)$`),
    auth: true,
    async handle(c, p) {
      requireDeviceType(c, p.dtid);
      const page = Math.max(0, Number(c.url.searchParams.get('page') ?? 0) || 0);
      const size = Math.min(1000, Math.max(1, Number(c.url.searchParams.get('size') ?? 50) || 50));
      const [sortField, sortDir] = (c.url.searchParams.get('sort') ?? 'versionNumber,asc').split(',');
      const all = c.store.data.images.filter((i) => i.deviceTypeId === p.dtid && i.type === Number(p.type)).map(imageView);
      const key = (v: Record<string, unknown>) => (sortField === 'versionNumber' || sortField === 'id' ? Number(v[sortField]) : String(v[sortField] ?? ''));
      all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (sortDir === 'desc' ? -1 : 1));
      sendJson(c.res, 200, { content: all.slice(page * size, page * size + size), totalElements: all.length, totalPages: Math.ceil(all.length / size), number: page, size });
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${DT}/firmwareImages/(?<imageId>[^/]+)/push$`),
    auth: true,
    async handle(c, p) {
      requireDeviceType(c, p.dtid);
      const { value, labFault } = await readJson(c.req);
      if (typeof value !== 'string' || !/^[0-9a-f]{16}$/.test(value)) throw new HttpError(400, 'Bad Request', `value: expected a deviceId (16 hex digits), found ${JSON.stringify(value)}`);
      if (labFault !== undefined && !labFaults.includes(labFault as LabFault)) throw new HttpError(400, 'Bad Request', `labFault: expected one of ${labFaults.join(', ')}, found ${JSON.stringify(labFault)}`);
      const img = c.store.data.images.find((i) => i.imageId === p.imageId && i.deviceTypeId === p.dtid);
      if (!img) throw new HttpError(404, 'Not Found', `no firmware image ${p.imageId}`);
      c.store.update((s) => {
        // A new push replaces any earlier one still waiting for that device.
        s.pushes = s.pushes.filter((x) => !(x.deviceId === value && (x.state === 'pending' || x.state === 'downloading')));
        s.pushes.push({ deviceId: value, imageId: img.imageId, versionNumber: img.versionNumber, requestedTimestamp: Date.now(), updatedTimestamp: Date.now(), state: 'pending', ...(labFault ? { labFault: labFault as LabFault } : {}) });
      });
      c.res.writeHead(202, { 'content-type': 'text/plain' }).end('Request accepted for processing');
    },
  },
];
