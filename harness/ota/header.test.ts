import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HEADER_SIZE, HeaderError, parseHeader, signHeader, verifyHeader, verifyImage } from './header.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const vectorKey = crypto.createPrivateKey(fs.readFileSync(path.join(here, 'fixtures/test-vector-key.pem')));
const vectorPub = crypto.createPublicKey(fs.readFileSync(path.join(here, 'fixtures/test-vector-key.pub.pem')));
const vectorHeader = fs.readFileSync(path.join(here, 'fixtures/test-vector.hdr'));
const vectorImage = Buffer.from('ota-hil test vector\n');

function makeImage(size = 4096, versionNumber = 42n) {
  const image = crypto.randomBytes(size);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = signHeader({ imageType: 5, versionNumber, imageSize: BigInt(size), sha256: crypto.createHash('sha256').update(image).digest() }, privateKey);
  return { image, header, privateKey, publicKey };
}

test('the documented test vector verifies and reads back its fields', () => {
  expect(vectorHeader.length).toBe(HEADER_SIZE);
  const p = verifyImage(Buffer.concat([vectorHeader, vectorImage]), vectorPub);
  expect(p).toMatchObject({ imageType: 5, layout: 1, algorithm: 1, versionNumber: 7112n, imageSize: 20n });
  expect(p.sha256.toString('hex')).toBe(crypto.createHash('sha256').update(vectorImage).digest('hex'));
  const doc = fs.readFileSync(path.join(root, 'docs/ota-header.md'), 'utf8');
  expect(doc.replace(/\s+/g, '')).toContain(vectorHeader.toString('hex'));
});

test('sign then verify; the header is 216 bytes with the type in byte 0', () => {
  const { image, header, publicKey } = makeImage();
  expect(header.length).toBe(216);
  expect(header[0]).toBe(5);
  expect(verifyImage(Buffer.concat([header, image]), publicKey).versionNumber).toBe(42n);
  expect(verifyImage(Buffer.concat([vectorHeader, vectorImage]), vectorPub).imageType).toBe(5);
  expect(vectorKey.asymmetricKeyType).toBe('ec');
});

test('every tampered byte of the signed fields, the signature or the image is caught', () => {
  const { image, header, publicKey } = makeImage(1024);
  const file = Buffer.concat([header, image]);
  const sigLen = header[60];
  const positions = [0, 4, 11, 12, 19, 20, 51, 52, 59, 60, 61, 61 + sigLen - 1, HEADER_SIZE, HEADER_SIZE + 500, file.length - 1];
  for (const pos of positions) {
    const bad = Buffer.from(file);
    bad[pos] ^= 0x01;
    expect(() => verifyImage(bad, publicKey), `byte ${pos}`).toThrow(HeaderError);
  }
  expect(() => verifyImage(file.subarray(0, file.length - 10), publicKey)).toThrow(/image size 1014 doesn't match value in header 1024/);
  expect(() => verifyHeader(header, crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toThrow(/signed by key/);
  const wrongType = signHeader({ imageType: 4, versionNumber: 1n, imageSize: 1n, sha256: Buffer.alloc(32) }, vectorKey);
  expect(() => verifyHeader(wrongType, vectorPub)).toThrow('header: image type 4, expected 5');
  expect(() => parseHeader(header.subarray(0, 100))).toThrow('header: expected 216 bytes, found 100');
});

/** A folder whose PATH has only busybox applets and openssl: what the virtual board has. */
function busyboxPath(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const applet of ['sh', 'od', 'tr', 'dd', 'wc', 'cut', 'sha256sum', 'printf', 'mktemp', 'rm', 'echo', 'cat']) {
    fs.symlinkSync('/usr/bin/busybox', path.join(bin, applet));
  }
  fs.symlinkSync('/usr/bin/openssl', path.join(bin, 'openssl'));
  return bin;
}

test('the device-side check (busybox sh + openssl) accepts a good header and refuses tampered ones', ({}, testInfo) => {
  const dir = testInfo.outputPath('device');
  const bin = busyboxPath(dir);
  const script = path.join(root, 'boards/virtual/guest/usr/bin/ota-verify-header');
  const { image, header, publicKey } = makeImage(2048, 7113n);
  const pub = path.join(dir, 'ota-pub.pem');
  fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  const run = (hdr: Buffer, img: Buffer) => {
    fs.writeFileSync(path.join(dir, 'ota.hdr'), hdr);
    fs.writeFileSync(path.join(dir, 'ota.img'), img);
    return spawnSync(path.join(bin, 'sh'), [script, path.join(dir, 'ota.hdr'), pub, path.join(dir, 'ota.img')], { env: { PATH: bin, TMPDIR: dir }, encoding: 'utf8' });
  };
  const ok = run(header, image);
  expect(ok.stdout.trim()).toBe(`type=5 version=7113 size=2048 sha256=${crypto.createHash('sha256').update(image).digest('hex')}`);
  expect(ok.status).toBe(0);
  const flip = (b: Buffer, i: number) => {
    const c = Buffer.from(b);
    c[i] ^= 0x80;
    return c;
  };
  const cases: [Buffer, Buffer, string][] = [
    [flip(header, 8), image, 'bad header signature'],
    [flip(header, 70), image, 'bad header signature'],
    [flip(header, 0), image, 'header type 85, expected 05'],
    [header, flip(image, 100), "image sha256"],
    [header, image.subarray(0, 2000), "image size 2000 doesn't match value in header 2048"],
    [header.subarray(0, 200), image, 'header is 200 bytes, expected 216'],
  ];
  for (const [h, i, why] of cases) {
    const r = run(h, i);
    expect(r.status, why).toBe(1);
    expect(r.stdout).toContain(why);
  }
  // The same check passes the documented test vector.
  fs.writeFileSync(path.join(dir, 'vec.img'), vectorImage);
  const vec = execFileSync(path.join(bin, 'sh'), [script, path.join(here, 'fixtures/test-vector.hdr'), path.join(here, 'fixtures/test-vector-key.pub.pem'), path.join(dir, 'vec.img')], { env: { PATH: bin, TMPDIR: dir } }).toString();
  expect(vec).toContain('type=5 version=7112 size=20');
});
