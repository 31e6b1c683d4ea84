import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { OtaServiceClient, OtaServiceError, OtaServiceTimeoutError, OtaServiceUnreachableError, NotAnOtaServiceError } from './ota-client.ts';
import { ConfError } from './partner-conf.ts';
import { ImageFileError } from './post-file.ts';
import { LabFault, ProductFailure } from '../errors.ts';
import { freePort } from '../process/free-port.ts';
import { scratchDir } from '../cli/spawn-hil.ts';
import { scriptedService, silentServer, confFor, SECRET_PW, SECRET_AUTH, type Peer } from './scripted-service.ts';

// The OTA client against real loopback servers that misbehave: every failure has a class (lab
// fault, product failure, configuration), names the request, and never shows a secret.

let peer: Peer | undefined;
test.afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const noSecret = (text: string) => {
  expect(text).not.toContain(SECRET_PW);
  expect(text).not.toContain(SECRET_AUTH);
  expect(text).not.toContain('tok-Secret-0815');
};

test('a service that accepts the connection and stays silent fails within the request timeout, naming the request', async () => {
  peer = await silentServer();
  const client = new OtaServiceClient(confFor(peer.url), { requestTimeoutMs: 300, retries: 3, retryBaseMs: 10 });
  const t0 = Date.now();
  const e = await client.listImages().catch((x) => x);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(e).toBeInstanceOf(OtaServiceTimeoutError);
  expect(e).toBeInstanceOf(LabFault);
  expect(e.message).toContain(`log in: POST ${peer.url}/oauth/token gave no answer within 0.3 s`);
});

test('an upload to a service that stops reading fails within the request timeout', async () => {
  peer = await scriptedService((req) => req.url!.endsWith('/binaries')); // takes the upload, never answers
  const scratch = scratchDir();
  const file = `${scratch.dir}/image.bin`;
  fs.writeFileSync(file, Buffer.alloc(1 << 20));
  const client = new OtaServiceClient(confFor(peer.url), { requestTimeoutMs: 400, retryBaseMs: 10 });
  const t0 = Date.now();
  const e = await client.uploadBinary(file).catch((x) => x);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(e).toBeInstanceOf(OtaServiceTimeoutError);
  expect(e.message).toContain('upload the image: POST');
  expect(e.message).toContain('no progress for 0.4 s');
  expect(peer.seen.filter((s) => s.endsWith('/binaries'))).toHaveLength(1); // not retried: the service may have acted on it
  scratch.remove();
});

// Which side a refused call blames; the reasons are in ota-client.ts (classOfStatus).
const statuses: [number, 'lab' | 'product' | 'config'][] = [
  [500, 'lab'],
  [502, 'lab'],
  [503, 'lab'],
  [408, 'lab'],
  [405, 'lab'],
  [429, 'lab'],
  [400, 'product'],
  [409, 'product'],
  [413, 'product'],
  [422, 'product'],
  [401, 'config'],
  [403, 'config'],
  [404, 'config'],
];

for (const [status, side] of statuses) {
  test(`a ${status} answer is a ${side} error, with the status and the service's message`, async () => {
    peer = await scriptedService((req, res) => {
      if (req.url === '/oauth/token') return false;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `refused (echo: password=${SECRET_PW})`, trace: 'abc123' }));
      return true;
    });
    const e = await new OtaServiceClient(confFor(peer.url), { retries: 1, retryBaseMs: 10 }).createRecord({ name: 'hub', description: '', version: '1.0.1' }).catch((x) => x);
    expect(e).toBeInstanceOf(OtaServiceError);
    expect(e.status).toBe(status);
    if (side === 'lab') expect(e).toBeInstanceOf(LabFault);
    if (side === 'product') expect(e).toBeInstanceOf(ProductFailure);
    if (side === 'config') expect(e).toBeInstanceOf(ConfError);
    expect(e.message).toContain(`create the OTA record: the OTA service answered ${status}: refused (echo: password=<redacted>) (trace abc123)`);
    noSecret(e.message);
  });
}

test('an HTML page where the service should be is "not an OTA service", a lab fault saying what answered', async () => {
  peer = await scriptedService((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Router login</title>');
    return true;
  });
  const e = await new OtaServiceClient(confFor(peer.url)).recordExists('hub', '1.0.1').catch((x) => x);
  expect(e).toBeInstanceOf(NotAnOtaServiceError);
  expect(e).toBeInstanceOf(LabFault);
  expect(e.message).toContain(`log in: ${peer.url}/oauth/token answered 200 text/html ("<!doctype html><title>Router login</title>"), not JSON: is ${peer.url} an OTA service?`);
});

test("a web server's HTML error page is not an OTA service's refusal: a lab fault, not a configuration error", async () => {
  peer = await scriptedService((req, res) => {
    if (req.url === '/oauth/token') return false;
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><h1>404 Not Found</h1></html>');
    return true;
  });
  const e = await new OtaServiceClient(confFor(peer.url)).listImages().catch((x) => x);
  expect(e).toBeInstanceOf(NotAnOtaServiceError);
  expect(e.message).toContain('list the firmware images: ');
  expect(e.message).toContain('answered 404 text/html ("<html><h1>404 Not Found</h1></html>")');
});

test('a service that is not there is a lab fault after the retries; a URL with a password never shows it', async () => {
  const port = await freePort();
  const e = await new OtaServiceClient(confFor(`http://admin:${SECRET_PW}@127.0.0.1:${port}`), { retries: 1, retryBaseMs: 10 }).listImages().catch((x) => x);
  expect(e).toBeInstanceOf(OtaServiceUnreachableError);
  expect(e).toBeInstanceOf(LabFault);
  expect(e.message).toContain(`cannot reach the OTA service at http://<redacted>@127.0.0.1:${port} (`);
  noSecret(e.message);
  const refused = await new OtaServiceClient(confFor(`http://127.0.0.1:${port}`), { retries: 0 }).listImages().catch((x) => x);
  expect(refused.message).toContain(`log in: cannot reach the OTA service at http://127.0.0.1:${port} (ECONNREFUSED)`);
});

test('an image path that is a directory is bad input at once, not a network failure retried', async () => {
  peer = await scriptedService(() => undefined);
  const scratch = scratchDir();
  const t0 = Date.now();
  const e = await new OtaServiceClient(confFor(peer.url), { retries: 3, retryBaseMs: 1000 }).uploadBinary(scratch.dir).catch((x) => x);
  scratch.remove();
  expect(Date.now() - t0).toBeLessThan(900);
  expect(e).toBeInstanceOf(ImageFileError);
  expect(e.message).toContain(`${scratch.dir}: expected the image file, found a directory`);
  expect(peer.seen.filter((s) => s.endsWith('/binaries'))).toHaveLength(0);
});
