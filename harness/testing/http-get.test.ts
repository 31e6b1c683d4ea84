import { test, expect } from '@playwright/test';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpGet, type ResponseHead } from './http-get.ts';

// Against real sockets on loopback: each server writes exactly the bytes a case needs.

async function rawServer(onConnection: (socket: net.Socket, request: string) => void): Promise<{ url: URL; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    let request = '';
    socket.on('data', (b) => {
      request += b.toString('latin1');
      if (request.includes('\r\n\r\n')) onConnection(socket, request);
    });
    socket.on('error', () => {});
    sockets.add(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/v1/ota/lab/binaries/abc?x=1`), close: () => new Promise((r) => (sockets.forEach((x) => x.destroy()), server.close(() => r()))) };
}

async function collect(url: URL, headers: Record<string, string> = {}, o: { idleTimeoutMs?: number } = {}) {
  let head: ResponseHead | undefined;
  const chunks: Buffer[] = [];
  await httpGet(url, headers, { head: (h) => ((head = h), true), body: (c) => chunks.push(Buffer.from(c)) }, o);
  return { head: head!, body: Buffer.concat(chunks) };
}

test('a body with Content-Length arrives whole; the request carries path, query and headers', async () => {
  const body = Buffer.alloc(3 << 20, 7);
  let seen = '';
  const s = await rawServer((socket, request) => {
    seen = request;
    socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nContent-Range: bytes 5-${body.length + 4}/${body.length + 5}\r\n\r\n`);
    socket.end(body);
  });
  try {
    const r = await collect(s.url, { range: 'bytes=5-' });
    expect(r.head.status).toBe(206);
    expect(r.head.headers['content-range']).toBe(`bytes 5-${body.length + 4}/${body.length + 5}`);
    expect(r.body.equals(body)).toBe(true);
    expect(seen).toMatch(/^GET \/v1\/ota\/lab\/binaries\/abc\?x=1 HTTP\/1\.1\r\n/);
    expect(seen).toContain('range: bytes=5-\r\n');
  } finally {
    await s.close();
  }
});

test('a body without Content-Length ends with the connection', async () => {
  const s = await rawServer((socket) => socket.end('HTTP/1.0 200 OK\r\n\r\nall of it'));
  try {
    expect((await collect(s.url)).body.toString()).toBe('all of it');
  } finally {
    await s.close();
  }
});

test('a body cut off short, a chunked body, a non-HTTP reply and silence each fail with what happened', async () => {
  const cases: Array<[string, (socket: net.Socket) => void, RegExp]> = [
    ['cut', (sock) => (sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'), sock.end(Buffer.alloc(40))), /cut off after 40 of 100 bytes/],
    ['chunked', (sock) => sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), /chunked responses are not supported/],
    ['not http', (sock) => sock.end('SSH-2.0-dropbear\r\n\r\n'), /not an HTTP response: "SSH-2.0-dropbear"/],
    ['closed', (sock) => sock.end(), /closed before a response/],
    ['silent', (sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), /no data for 0.3 s after 3 bytes/],
  ];
  for (const [name, reply, error] of cases) {
    const s = await rawServer(reply);
    try {
      await expect(collect(s.url, {}, { idleTimeoutMs: 300 }), name).rejects.toThrow(error);
    } finally {
      await s.close();
    }
  }
});

test('a sink that declines the head ends the request without reading the body', async () => {
  const s = await rawServer((socket) => socket.write('HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 1000000\r\n\r\n'));
  try {
    let bodies = 0;
    await httpGet(s.url, {}, { head: (h) => h.status !== 416, body: () => bodies++ });
    expect(bodies).toBe(0);
  } finally {
    await s.close();
  }
});

test('a URL other than http:// is refused before connecting', async () => {
  await expect(httpGet(new URL('https://example.invalid/x'), {}, { head: () => true, body: () => {} })).rejects.toThrow('expected an http:// URL');
});
