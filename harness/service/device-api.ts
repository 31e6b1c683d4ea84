import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type crypto from 'node:crypto';
import { HEADER_SIZE, IMAGE_TYPE_FULL, signHeader } from '../ota/header.ts';
import { HttpError, readJson, sendJson } from './http-util.ts';
import type { Route, RouteContext } from './partner-api.ts';
import type { FirmwareImage, LabFault, Push } from './store.ts';

// The device side of the lab OTA service: the lab's stand-in for hubby's cloud channel (Afero's
// is private). A device asks whether an image was pushed to it, downloads it with the signed
// header in front (HTTP range requests resume a cut download), and says how it went. Documented
// in docs/ota-service.md.

const D = '/v1/ota/lab/devices/(?<deviceId>[0-9a-f]{16})';

export function deviceRoutes(signingKey: crypto.KeyObject, publicKeyPem: string): Route[] {
  const headers = new Map<string, Buffer>();
  const headerOf = (img: FirmwareImage): Buffer => {
    let h = headers.get(img.imageId);
    if (!h) {
      h = signHeader({ imageType: IMAGE_TYPE_FULL, versionNumber: BigInt(img.versionNumber), imageSize: BigInt(img.size), sha256: Buffer.from(img.sha256, 'hex') }, signingKey);
      headers.set(img.imageId, h);
    }
    return h;
  };
  const pushFor = (c: RouteContext, deviceId: string, imageId: string): { img: FirmwareImage; push: Push } => {
    const push = [...c.store.data.pushes].reverse().find((x) => x.deviceId === deviceId && x.imageId === imageId);
    const img = c.store.data.images.find((i) => i.imageId === imageId);
    if (!push || !img) throw new HttpError(404, 'Not Found', `image ${imageId} was not pushed to device ${deviceId}`);
    return { img, push };
  };
  const imageFor = (c: RouteContext, deviceId: string, imageId: string): FirmwareImage => pushFor(c, deviceId, imageId).img;

  return [
    {
      method: 'GET',
      pattern: /^\/v1\/ota\/lab\/publicKey$/,
      auth: false,
      async handle(c) {
        c.res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(publicKeyPem);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${D}/pending$`),
      auth: false,
      async handle(c, p) {
        const push = [...c.store.data.pushes].reverse().find((x) => x.deviceId === p.deviceId && (x.state === 'pending' || x.state === 'downloading'));
        // 200 with an empty object, not 204: busybox wget (the virtual board's) crashes on a 204.
        if (!push) {
          sendJson(c.res, 200, {});
          return;
        }
        const img = c.store.data.images.find((i) => i.imageId === push.imageId)!;
        sendJson(c.res, 200, { imageId: img.imageId, type: img.type, versionNumber: img.versionNumber, version: img.version, size: HEADER_SIZE + img.size, url: `${c.baseUrl}/v1/ota/lab/devices/${p.deviceId}/images/${img.imageId}` });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${D}/images/(?<imageId>\\d+)$`),
      auth: false,
      async handle(c, p) {
        const { img, push } = pushFor(c, p.deviceId, p.imageId);
        if (push.labFault) return sendDamaged(c, img, headerOf(img), push.labFault);
        const header = headerOf(img);
        const total = HEADER_SIZE + img.size;
        let start = 0;
        let end = total - 1;
        const range = c.req.headers.range;
        if (range) {
          const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
          if (!m || (m[1] === '' && m[2] === '')) throw new HttpError(416, 'Range Not Satisfiable', `unsupported range "${range}"`);
          if (m[1] === '') start = Math.max(0, total - Number(m[2]));
          else {
            start = Number(m[1]);
            if (m[2] !== '') end = Math.min(Number(m[2]), total - 1);
          }
          if (start > end || start >= total) {
            c.res.writeHead(416, { 'content-range': `bytes */${total}`, 'content-length': 0 }).end();
            return;
          }
        }
        c.store.update((s) => {
          const push = s.pushes.find((x) => x.deviceId === p.deviceId && x.imageId === p.imageId && x.state === 'pending');
          if (push) Object.assign(push, { state: 'downloading', updatedTimestamp: Date.now() });
        });
        c.res.writeHead(range ? 206 : 200, {
          'content-type': 'application/octet-stream',
          'content-length': end - start + 1,
          'accept-ranges': 'bytes',
          ...(range ? { 'content-range': `bytes ${start}-${end}/${total}` } : {}),
        });
        if (start < HEADER_SIZE) c.res.write(header.subarray(start, Math.min(end + 1, HEADER_SIZE)));
        if (end >= HEADER_SIZE) {
          const from = Math.max(start, HEADER_SIZE) - HEADER_SIZE;
          await pipeline(fs.createReadStream(c.store.blobPath(img.sha256), { start: from, end: end - HEADER_SIZE, highWaterMark: 256 * 1024 }), c.res);
        } else c.res.end();
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${D}/status$`),
      auth: false,
      async handle(c, p) {
        const body = await readJson(c.req);
        const state = body.state;
        if (state !== 'done' && state !== 'failed') throw new HttpError(400, 'Bad Request', `state: expected "done" or "failed", found ${JSON.stringify(state)}`);
        const imageId = String(body.imageId ?? '');
        imageFor(c, p.deviceId, imageId);
        c.store.update((s) => {
          for (const x of s.pushes) {
            if (x.deviceId === p.deviceId && x.imageId === imageId && x.state !== 'done') {
              Object.assign(x, { state, updatedTimestamp: Date.now(), note: typeof body.note === 'string' ? body.note.slice(0, 500) : undefined });
            }
          }
        });
        sendJson(c.res, 200, { imageId, state });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/ota\/lab\/binaries\/(?<sha>[0-9a-f]{64})$/,
      auth: false,
      async handle(c, p) {
        const bin = c.store.data.binaries.find((b) => b.sha256 === p.sha);
        if (!bin) throw new HttpError(404, 'Not Found', `no binary ${p.sha}`);
        c.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bin.size });
        await pipeline(fs.createReadStream(c.store.blobPath(p.sha), { highWaterMark: 256 * 1024 }), c.res);
      },
    },
  ];
}

/**
 * A download damaged on purpose (lab only): one bit of the body or of the signature flipped, the
 * type byte changed, or only the first half of the body sent (with a matching length, so the
 * device sees a short file, not a broken connection). Whole file, no ranges.
 */
async function sendDamaged(c: RouteContext, img: FirmwareImage, signed: Buffer, fault: LabFault): Promise<void> {
  const header = Buffer.from(signed);
  if (fault === 'flip-signature-byte') header[61 + 8] ^= 0x01;
  if (fault === 'wrong-type-byte') header[0] = 0x06;
  const bodyLength = fault === 'truncate' ? Math.floor(img.size / 2) : img.size;
  const flipAt = fault === 'flip-body-byte' ? Math.floor(img.size / 2) : -1;
  c.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': HEADER_SIZE + bodyLength });
  c.res.write(header);
  if (bodyLength === 0) return void c.res.end();
  let offset = 0;
  const body = fs.createReadStream(c.store.blobPath(img.sha256), { start: 0, end: bodyLength - 1, highWaterMark: 256 * 1024 });
  await pipeline(
    body,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        if (flipAt >= offset && flipAt < offset + chunk.length) chunk[flipAt - offset] ^= 0x01;
        offset += chunk.length;
        yield chunk;
      }
    },
    c.res,
  );
}
