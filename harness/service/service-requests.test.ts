import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { startOtaService, type OtaService } from './server.ts';
import { loadPartnerConf } from '../ota/partner-conf.ts';
import { createLogger } from '../logger.ts';

// Requests a well-behaved client does not send, and clients that are slow or many, against the
// real service on loopback.

let svc: OtaService | undefined;
test.afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

async function start(testInfo: { outputPath(n: string): string }, o: { idleTimeoutMs?: number } = {}): Promise<OtaService> {
  svc = await startOtaService({ dataDir: testInfo.outputPath('service'), port: 0, logger: createLogger(testInfo.outputPath('service.log')), ...o });
  return svc;
}

/** Sends `requestLine` as is over a raw socket; the status and body of the answer. */
function raw(port: number, requestLine: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (b) => (data += b.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(data);
      if (!m) return reject(new Error(`no HTTP answer to "${requestLine}": ${JSON.stringify(data)}`));
      resolve({ status: Number(m[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

async function bearer(s: OtaService): Promise<{ auth: string; base: string }> {
  const conf = loadPartnerConf(s.confPath);
  const form = new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' });
  const tok = (await (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}` }, body: form })).json()) as { access_token: string };
  return { auth: `Bearer ${tok.access_token}`, base: `${s.url}/v1/ota/partners/${conf.partnerId}` };
}

test('no request, however malformed, stops the service; a bad escape is a 400', async ({}, testInfo) => {
  const s = await start(testInfo);
  for (const target of ['//', '///', '//[', '//@', '//:99999', 'http://other/x', '*']) {
    const r = await raw(s.port, `GET ${target} HTTP/1.1`);
    expect([400, 404], target).toContain(r.status);
    expect((await fetch(`${s.url}/v1/ota/lab/publicKey`)).status, `alive after ${target}`).toBe(200);
  }
  const bad = await raw(s.port, 'GET /v1/ota/partners/%E0%A4%A/pool/types/5/names/x/versions/1/exists HTTP/1.1');
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.body).message).toBe('the path has a malformed %-escape');
});

test('a 500 names no server file and carries no stack; the log has the cause under the same trace', async ({}, testInfo) => {
  const s = await start(testInfo);
  const { auth, base } = await bearer(s);
  // A real internal fault: the data folder vanishes under the running service.
  fs.rmSync(s.dataDir, { recursive: true, force: true });
  const r = await fetch(`${base}/pool`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ name: 'x', description: '', type: 5, version: '1.0.1', url: '' }) });
  expect(r.status).toBe(500);
  const text = await r.text();
  expect(text).not.toContain(s.dataDir);
  expect(text).not.toMatch(/\/(work|tmp|home|root)\/|\bat \S+ \(/);
  const body = JSON.parse(text);
  expect(body.message).toBe('internal error; quote the trace when reporting it');
  expect(fs.readFileSync(testInfo.outputPath('service.log'), 'utf8')).toMatch(new RegExp(`ENOENT[^\\n]*${body.trace}|${body.trace}[^\\n]*ENOENT`));
  expect((await fetch(`${s.url}/v1/ota/lab/publicKey`)).status).toBe(200);
});

/** POSTs to /binaries, writing `chunks` chunks of `chunkSize` bytes `gapMs` apart (then stopping if `stall`). */
function slowUpload(url: string, auth: string, o: { chunks: number; chunkSize: number; gapMs: number; stall?: boolean }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const total = o.chunks * o.chunkSize + (o.stall ? 1 : 0);
    const req = http.request(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/octet-stream', 'content-length': total } }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const next = () => {
      req.write(crypto.randomBytes(o.chunkSize));
      if (++sent < o.chunks) setTimeout(next, o.gapMs);
      else if (!o.stall) req.end();
    };
    next();
  });
}

test('an upload may last as long as it keeps moving; one that stalls gets a 408 after the idle timeout', async ({}, testInfo) => {
  const s = await start(testInfo, { idleTimeoutMs: 400 });
  const { auth, base } = await bearer(s);
  // Six times the idle timeout in all, never idle for more than a quarter of it.
  const slow = await slowUpload(`${base}/binaries`, auth, { chunks: 25, chunkSize: 16 * 1024, gapMs: 100 });
  expect(slow.status, slow.body).toBe(200);
  const t0 = Date.now();
  const stalled = await slowUpload(`${base}/binaries`, auth, { chunks: 2, chunkSize: 16 * 1024, gapMs: 10, stall: true });
  expect(stalled.status).toBe(408);
  expect(JSON.parse(stalled.body).message).toBe('nothing received for 0.4 s');
  expect(Date.now() - t0).toBeLessThan(5000);
  await expect.poll(() => fs.readdirSync(`${s.dataDir}/tmp`), { message: 'the cut upload\'s file removed', timeout: 5000 }).toEqual([]);
});

test('an upload must be application/octet-stream, as the tools send it (415 otherwise)', async ({}, testInfo) => {
  const s = await start(testInfo);
  const { auth, base } = await bearer(s);
  for (const type of ['text/plain', 'multipart/form-data; boundary=x', undefined]) {
    const r = await fetch(`${base}/binaries`, { method: 'POST', headers: { authorization: auth, ...(type ? { 'content-type': type } : {}) }, body: type ? Buffer.from('image') : undefined });
    expect(r.status, String(type)).toBe(415);
    expect((await r.json()).message).toBe(`Content-Type: expected application/octet-stream, found ${type ?? 'none'}`);
  }
  const ok = await fetch(`${base}/binaries`, { method: 'POST', headers: { authorization: auth, 'content-type': 'Application/Octet-Stream' }, body: Buffer.from('image') });
  expect(ok.status).toBe(200);
});
