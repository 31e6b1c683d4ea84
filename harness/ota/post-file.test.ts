import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postFile } from './post-file.ts';
import { freePort } from '../process/free-port.ts';

// Against a real HTTP server on loopback.

async function server(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/up`, close: () => (s.closeAllConnections(), s.close()) };
}

test('the file arrives whole with its length and headers; the answer reads like a fetch Response', async ({}, testInfo) => {
  const file = testInfo.outputPath('image.bin');
  fs.writeFileSync(file, crypto.randomBytes((5 << 20) + 3));
  const s = await server(async (req, res) => {
    const hash = crypto.createHash('sha256');
    let n = 0;
    for await (const c of req) (hash.update(c), (n += c.length));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n, sha: hash.digest('hex'), length: req.headers['content-length'], auth: req.headers.authorization, type: req.headers['content-type'] }));
  });
  try {
    const progress: number[] = [];
    const res = await postFile(s.url, { authorization: 'Bearer t' }, file, (sent) => progress.push(sent));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ n: (5 << 20) + 3, sha: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), length: String((5 << 20) + 3), auth: 'Bearer t', type: 'application/octet-stream' });
    expect(progress.at(-1)).toBe((5 << 20) + 3);
  } finally {
    s.close();
  }
});

test('an answer given before the body is read (413) is returned as the answer', async ({}, testInfo) => {
  const file = testInfo.outputPath('big.bin');
  fs.writeFileSync(file, Buffer.alloc(64 << 20));
  const s = await server((req, res) => {
    // Answers at once, then drains what is still coming, as an HTTP server should.
    res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"too large"}');
    req.resume();
  });
  try {
    const res = await postFile(s.url, {}, file);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'too large' });
  } finally {
    s.close();
  }
});

test('a service that is not there is an error with the socket code', async ({}, testInfo) => {
  const file = testInfo.outputPath('small.bin');
  fs.writeFileSync(file, 'x');
  await expect(postFile(`http://127.0.0.1:${await freePort()}/up`, {}, file)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});
