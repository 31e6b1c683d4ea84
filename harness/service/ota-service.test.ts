import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { startOtaService, type OtaService } from './server.ts';
import { loadPartnerConf, ConfError } from '../ota/partner-conf.ts';
import { OtaServiceClient, OtaServiceError, OtaServiceUnreachableError } from '../ota/ota-client.ts';
import { verifyImage, HEADER_SIZE, HeaderError } from '../ota/header.ts';
import { createLogger } from '../logger.ts';
import { downloadFile } from '../testing/device-download.ts';

// Against the real lab OTA service on loopback; the CLI runs as a separate process, as a user runs it.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEVICE = '012359551bf18eba';
const DEVICE2 = '0123456789abcdef';

let svc: OtaService | undefined;
test.afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

interface Workspace {
  dir: string;
  conf: string;
  image: Buffer;
}

async function start(testInfo: { outputPath(n: string): string }, o: { port?: number; tokenTtlMs?: number; dataDir?: string } = {}): Promise<OtaService> {
  svc = await startOtaService({ dataDir: o.dataDir ?? testInfo.outputPath('service'), port: o.port ?? 0, tokenTtlMs: o.tokenTtlMs, logger: createLogger(testInfo.outputPath('service.log')) });
  return svc;
}

function workspace(testInfo: { outputPath(n: string): string }, s: OtaService, size = 3 << 20): Workspace {
  const dir = testInfo.outputPath('build');
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'partner-ota-conf.json');
  fs.copyFileSync(s.confPath, conf);
  const image = crypto.randomBytes(size);
  fs.writeFileSync(path.join(dir, 'hub_update.bin'), image);
  return { dir, conf, image };
}

/** Runs the CLI as its own process (asynchronously: the service under test shares this event loop). */
function hil(ws: Workspace, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [path.join(root, 'bin/hil.js'), ...args], { cwd: ws.dir, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function download(s: OtaService, deviceId: string, range?: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const pending = await fetch(`${s.url}/v1/ota/lab/devices/${deviceId}/pending`);
  expect(pending.status).toBe(200);
  const { url } = (await pending.json()) as { url: string };
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

test('zero setup: an empty data folder gets an account and a ready partner-ota-conf.json (0600), no secret logged', async ({}, testInfo) => {
  const s = await start(testInfo);
  expect(fs.statSync(s.confPath).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.join(s.dataDir, 'signing-key.pem')).mode & 0o777).toBe(0o600);
  const conf = loadPartnerConf(s.confPath);
  expect(conf).toMatchObject({ name: 'ota-hil-lab', version: '1.0', imageFiles: { A: 'hub_update.bin' }, baseUrl: s.url });
  const log = fs.readFileSync(testInfo.outputPath('service.log'), 'utf8');
  expect(log).toContain('created the development partner account');
  for (const secret of [conf.userpw, conf['auth-string'], Buffer.from(conf['auth-string'], 'base64').toString().split(':')[1]]) {
    expect(log).not.toContain(secret);
    expect(fs.readFileSync(path.join(s.dataDir, 'accounts.json'), 'utf8')).not.toContain(secret);
  }
});

test('record -> upload -> list -> deploy through the CLI; the device downloads a header that verifies', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s);
  const rec = await hil(ws, 'ota', 'record', '-n', '7', '-s');
  expect(rec.stderr).toBe('');
  expect(rec.stdout).toContain('OTA record created: ota-hil-lab version 1.0.7, versionNumber 1');
  const record = JSON.parse(fs.readFileSync(path.join(ws.dir, 'full_ota_record.json'), 'utf8'));
  expect(record).toMatchObject({ name: 'ota-hil-lab', version: '1.0.7', versionNumber: '1', type: 5, url: '', tags: [] });

  const up = await hil(ws, 'ota', 'upload', '-n', '7', '-s');
  expect(up.status, up.stderr).toBe(0);
  expect(up.stdout).toMatch(/Upload the OTA Image[\s\S]*Update OTA Record[\s\S]*Associate the Image[\s\S]*Done! image id (\d+)/);
  expect(up.stderr).toContain('hub_update.bin: 100% of 3.0 MiB');
  const imageId = /Done! image id (\d+)/.exec(up.stdout)![1];
  const again = await hil(ws, 'ota', 'upload', '-n', '7', '-s');
  expect(again.status).toBe(0);
  expect(again.stdout).toContain(`is already uploaded as image ${imageId}: nothing to do`);

  const list = await hil(ws, 'ota', 'list');
  expect(list.stdout).toContain('Total Number of Images: 1');
  expect(list.stdout).toMatch(new RegExp(`^${imageId}\\s+1\\.0\\.7\\s+ota-hil-lab\\s+OTA image description$`, 'm'));

  const dep = await hil(ws, 'ota', 'deploy', '-i', imageId, '-d', `${DEVICE},${DEVICE2}`);
  expect(dep.stdout).toBe(`${DEVICE}: Request accepted for processing\n${DEVICE2}: Request accepted for processing\n`);
  expect(dep.status).toBe(0);

  const pub = crypto.createPublicKey(s.publicKeyPem);
  for (const d of [DEVICE, DEVICE2]) {
    const { status, body } = await download(s, d);
    expect(status).toBe(200);
    expect(body.length).toBe(HEADER_SIZE + ws.image.length);
    const h = verifyImage(body, pub);
    expect(h.versionNumber).toBe(1n);
    expect(body.subarray(HEADER_SIZE).equals(ws.image)).toBe(true);
    const tampered = Buffer.from(body);
    tampered[HEADER_SIZE + 12345] ^= 1;
    expect(() => verifyImage(tampered, pub)).toThrow(HeaderError);
  }
  const done = await fetch(`${s.url}/v1/ota/lab/devices/${DEVICE}/status`, { method: 'POST', body: JSON.stringify({ imageId, state: 'done' }) });
  expect(done.status).toBe(200);
  expect(await done.json()).toEqual({ imageId, state: 'done' });
  const after = await fetch(`${s.url}/v1/ota/lab/devices/${DEVICE}/pending`);
  expect([after.status, await after.json()]).toEqual([200, {}]);
});

test('versionNumbers increase per record; a cut download resumes with a range request', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s, 1 << 20);
  for (const n of ['1', '2', '3']) expect((await hil(ws, 'ota', 'record', '-n', n, '-s')).stdout).toContain(`versionNumber ${n}`);
  expect((await hil(ws, 'ota', 'upload', '-n', '3', '-s')).status).toBe(0);
  const imageId = (await new OtaServiceClient(loadPartnerConf(ws.conf)).findImage('3'))!.id;
  expect((await hil(ws, 'ota', 'deploy', '-i', imageId, '-d', DEVICE)).status).toBe(0);
  const full = await download(s, DEVICE);
  const cut = 100_000;
  const rest = await download(s, DEVICE, `bytes=${cut}-`);
  expect(rest.status).toBe(206);
  expect(rest.headers.get('content-range')).toBe(`bytes ${cut}-${full.body.length - 1}/${full.body.length}`);
  expect(Buffer.concat([full.body.subarray(0, cut), rest.body]).equals(full.body)).toBe(true);
  // The device-style downloader resumes a file cut short.
  const file = testInfo.outputPath('ota.update');
  fs.writeFileSync(file, full.body.subarray(0, cut));
  const { url } = (await (await fetch(`${s.url}/v1/ota/lab/devices/${DEVICE}/pending`)).json()) as { url: string };
  const seen: number[] = [];
  expect(await downloadFile(url, file, { resume: true, onProgress: (d) => seen.push(d) })).toBe(full.body.length);
  expect(fs.readFileSync(file).equals(full.body)).toBe(true);
  expect(seen[0]).toBeGreaterThan(cut);
  expect(await downloadFile(url, file, { resume: true })).toBe(full.body.length); // complete already: 416, nothing written
  const missing = testInfo.outputPath('missing.update');
  await expect(downloadFile(url.replace(/\/images\/\d+$/, '/images/999999'), missing)).rejects.toThrow(/failed: HTTP 404/);
  expect(fs.existsSync(missing)).toBe(false); // an error reply writes no file
  const inHeader = await download(s, DEVICE, 'bytes=100-299');
  expect(inHeader.body.equals(full.body.subarray(100, 300))).toBe(true);
  expect(verifyImage(full.body, crypto.createPublicKey(s.publicKeyPem)).versionNumber).toBe(3n);
});

test('the service restarted between upload and deploy loses nothing', async ({}, testInfo) => {
  const s1 = await start(testInfo);
  const port = s1.port;
  const ws = workspace(testInfo, s1);
  expect((await hil(ws, 'ota', 'record', '-n', '1', '-s')).status).toBe(0);
  expect((await hil(ws, 'ota', 'upload', '-n', '1', '-s')).status).toBe(0);
  await s1.close();
  const s2 = await start(testInfo, { port, dataDir: s1.dataDir });
  expect(s2.publicKeyPem).toBe(s1.publicKeyPem);
  const list = await hil(ws, 'ota', 'list');
  const imageId = /^(\d+)\s+1\.0\.1/m.exec(list.stdout)![1];
  expect((await hil(ws, 'ota', 'deploy', '-i', imageId, '-d', DEVICE)).status).toBe(0);
  const { body } = await download(s2, DEVICE);
  expect(body.subarray(HEADER_SIZE).equals(ws.image)).toBe(true);
  // The next record continues the numbering.
  expect((await hil(ws, 'ota', 'record', '-n', '2', '-s')).stdout).toContain('versionNumber 2');
});

test('every error status of the service, from the client side', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s, 1000);
  const conf = loadPartnerConf(ws.conf);
  const client = new OtaServiceClient(conf);
  const base = `${s.url}/v1/ota/partners/${conf.partnerId}`;

  // 401: no token, an unknown token, wrong credentials
  const noToken = await fetch(`${base}/pool/types/5/names/x/versions/1/exists`);
  expect(noToken.status).toBe(401);
  expect(await noToken.json()).toMatchObject({ status: 401, trace: expect.stringMatching(/^[0-9a-f]{16}$/) });
  expect((await fetch(`${base}/pool`, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  const badPw = new OtaServiceClient({ ...conf, userpw: 'wrong-password' }, { retries: 0 });
  const e401 = await badPw.recordExists('x', '1').catch((e) => e);
  expect(e401).toBeInstanceOf(OtaServiceError);
  expect(e401.status).toBe(401);
  expect(e401.message).toMatch(/^log in: the OTA service answered 401: Bad credentials \(trace [0-9a-f]{16}\)$/);
  expect(e401.message).not.toContain('wrong-password');

  // 400: a record that breaks the limits
  const e400 = await client.createRecord({ name: 'x'.repeat(36), description: '', version: '1.0.1' }).catch((e) => e);
  expect(e400.status).toBe(400);
  expect(e400.message).toContain('name: at most 35 characters, found 36');
  // 409: the record exists; a second association of the same image
  const rec = await client.createRecord({ name: 'dup', description: '', version: '1.0.1' });
  expect((await client.createRecord({ name: 'dup', description: '', version: '1.0.1' }).catch((e) => e)).status).toBe(409);
  rec.url = await client.moveToRepository(await client.uploadBinary(path.join(ws.dir, 'hub_update.bin')));
  await client.updateRecord(rec);
  expect(await client.associate(rec)).toBe(true);
  expect(await client.associate(rec)).toBe(false);
  // 404: an image not uploaded, an unknown image to push, an unknown binary
  expect(await client.findImage('999')).toBeUndefined();
  expect((await client.push('12345', DEVICE).catch((e) => e)).status).toBe(404);
  expect((await client.moveToRepository('0'.repeat(64)).catch((e) => e)).status).toBe(404);
  // 400: a push to something that is not a deviceId
  const img = (await client.findImage(rec.versionNumber))!;
  expect((await client.push(img.id, 'not-a-device').catch((e) => e)).message).toContain('value: expected a deviceId (16 hex digits)');
  // 403: another partner's path
  const token = ((await (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' }) })).json()) as { access_token: string }).access_token;
  expect((await fetch(`${s.url}/v1/ota/partners/someone-else/pool`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' })).status).toBe(403);
  // 404 for no endpoint, 405 for a wrong method
  expect((await fetch(`${s.url}/v2/nothing`)).status).toBe(404);
  expect((await fetch(`${s.url}/oauth/token`)).status).toBe(405);
});

test('an expired token is refused with 401 and the client logs in again by itself', async ({}, testInfo) => {
  const s = await start(testInfo, { tokenTtlMs: 300 });
  const conf = loadPartnerConf(s.confPath);
  const form = new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' });
  const tok = (await (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}` }, body: form })).json()) as { access_token: string; expires_in: number; token_type: string };
  expect(tok.token_type).toBe('bearer');
  const client = new OtaServiceClient(conf);
  expect(await client.recordExists('a', '1')).toBe(false);
  // Let the client's token (and ours) expire: wait until the service says so.
  const url = `${s.url}/v1/ota/partners/${conf.partnerId}/pool/types/5/names/a/versions/1/exists`;
  await expect.poll(async () => (await fetch(url, { headers: { authorization: `Bearer ${tok.access_token}` } })).status, { timeout: 5000 }).toBe(401);
  const expired = await fetch(url, { headers: { authorization: `Bearer ${tok.access_token}` } });
  expect((await expired.json()).message).toMatch(/Invalid access token|Access token expired/);
  expect(await client.recordExists('a', '1')).toBe(false);
});

test('a service that cannot be reached is reported as such (CLI exit 3), a bad conf names the field (exit 2)', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s, 10);
  await s.close();
  svc = undefined;
  const r = await hil(ws, 'ota', 'list');
  expect(r.status).toBe(3);
  expect(r.stderr).toContain(`cannot reach the OTA service at ${s.url}`);
  const conf = JSON.parse(fs.readFileSync(ws.conf, 'utf8'));
  const secret = conf.userpw;
  fs.writeFileSync(ws.conf, JSON.stringify({ ...conf, name: 'n'.repeat(40), userpw: 17, partnerId: undefined }));
  const bad = await hil(ws, 'ota', 'list');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('name: expected at most 35 characters');
  expect(bad.stderr).toContain('userpw: expected the account password, found a value that is not shown');
  expect(bad.stderr).toContain('partnerId: expected the partnerId, missing');
  expect(bad.stderr).not.toContain(secret);
  expect(() => loadPartnerConf(path.join(ws.dir, 'nope.json'))).toThrow(ConfError);
  expect((await hil(ws, 'ota', 'upload', '-n', 'x', '-s')).stderr).toContain('-n/--buildNum: expected a build number (digits), found "x"');
  fs.writeFileSync(ws.conf, JSON.stringify(conf));
  expect((await hil(ws, 'ota', 'record', '-n', '1')).stderr).toMatch(/bitbake was not found.*pass -s/);
});

test('upload without a record is refused; a transient 503 is retried', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s, 1000);
  const noRecord = await hil(ws, 'ota', 'upload', '-n', '5', '-s');
  expect(noRecord.status).toBe(1);
  expect(noRecord.stderr).toContain('no OTA record at');
  // A gateway in front of the service that fails twice before passing requests on.
  let failures = 2;
  const gateway = http.createServer((req, res) => {
    if (failures-- > 0) return void res.writeHead(503).end('busy');
    const up = http.request(`${s.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  try {
    const conf = { ...loadPartnerConf(ws.conf), baseUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}` };
    expect(await new OtaServiceClient(conf, { retryBaseMs: 10 }).recordExists('x', '1')).toBe(false);
    expect(failures).toBeLessThan(0);
    // An upload refused with 503 is sent again whole, from the file.
    failures = 1;
    const file = testInfo.outputPath('retried.bin');
    fs.writeFileSync(file, crypto.randomBytes(3 << 20));
    const sent: number[] = [];
    expect(await new OtaServiceClient(conf, { retryBaseMs: 10 }).uploadBinary(file, (n) => sent.push(n))).toBe(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    expect(failures).toBeLessThan(0);
    expect(sent.at(-1)).toBe(3 << 20);
  } finally {
    gateway.close();
  }
  const unreachable = new OtaServiceClient({ ...loadPartnerConf(ws.conf), baseUrl: 'http://127.0.0.1:1' }, { retries: 1, retryBaseMs: 10 });
  await expect(unreachable.listImages()).rejects.toBeInstanceOf(OtaServiceUnreachableError);
});

test('concurrent uploads and downloads lose nothing', async ({}, testInfo) => {
  const s = await start(testInfo);
  const conf = loadPartnerConf(s.confPath);
  const dir = testInfo.outputPath('files');
  fs.mkdirSync(dir);
  const files = Array.from({ length: 6 }, (_, i) => {
    const f = path.join(dir, `img${i}.bin`);
    fs.writeFileSync(f, crypto.randomBytes((1 << 20) + i));
    return f;
  });
  const shas = await Promise.all(files.map((f) => new OtaServiceClient(conf).uploadBinary(f)));
  files.forEach((f, i) => expect(shas[i]).toBe(crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')));
  const bodies = await Promise.all(shas.map(async (sha) => Buffer.from(await (await fetch(`${s.url}/v1/ota/lab/binaries/${sha}`)).arrayBuffer())));
  bodies.forEach((b, i) => expect(b.equals(fs.readFileSync(files[i]))).toBe(true));
  expect(fs.readdirSync(path.join(s.dataDir, 'tmp'))).toEqual([]);
});

test('lab faults damage one download as asked; an unknown fault is a 400 naming the field', async ({}, testInfo) => {
  const s = await start(testInfo);
  const ws = workspace(testInfo, s, 64 * 1024);
  expect((await hil(ws, 'ota', 'record', '-n', '1', '-s')).status).toBe(0);
  expect((await hil(ws, 'ota', 'upload', '-n', '1', '-s')).status).toBe(0);
  const client = new OtaServiceClient(loadPartnerConf(ws.conf));
  const [img] = await client.listAllImages();
  const pub = crypto.createPublicKey(s.publicKeyPem);
  const damaged = async (labFault: string) => {
    await client.push(img.id, DEVICE, { labFault });
    const { url } = (await (await fetch(`${s.url}/v1/ota/lab/devices/${DEVICE}/pending`)).json()) as { url: string };
    return Buffer.from(await (await fetch(url)).arrayBuffer());
  };
  const body = await damaged('flip-body-byte');
  expect(body.length).toBe(HEADER_SIZE + ws.image.length);
  expect(body.subarray(HEADER_SIZE).compare(ws.image)).not.toBe(0);
  expect(() => verifyImage(body, pub)).toThrow(/sha256/);
  const badSignature = await damaged('flip-signature-byte');
  expect(() => verifyImage(badSignature, pub)).toThrow(/signature/);
  expect((await damaged('wrong-type-byte'))[0]).toBe(6);
  expect((await damaged('truncate')).length).toBe(HEADER_SIZE + ws.image.length / 2);
  await expect(client.push(img.id, DEVICE, { labFault: 'melt' })).rejects.toThrow(/labFault: expected one of flip-body-byte/);
});
