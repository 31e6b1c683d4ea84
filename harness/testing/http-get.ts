import net from 'node:net';

export interface ResponseHead {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

export interface GetSink {
  /** Called once the head is in; return false to drop the body and close. */
  head(h: ResponseHead): boolean;
  /** A slice of a buffer that is reused after this returns: consume it synchronously. */
  body(chunk: Buffer): void;
}

const MAX_HEAD = 64 * 1024;
const READ_BUFFER = 1 << 20;

/**
 * One HTTP/1.1 GET whose body goes to `sink` as it arrives. A plain socket reads into a single
 * reused 1 MiB buffer (net's `onread`): Node's http client allocates every 64 KiB and spent three
 * times curl's CPU on a 256 MiB image, on a machine where the service needs the other core.
 * Bodies must come with Content-Length or end with the connection; chunked bodies are refused.
 */
export async function httpGet(url: URL, headers: Record<string, string>, sink: GetSink, o: { idleTimeoutMs?: number } = {}): Promise<void> {
  // Plain HTTP only: this is the device side of the lab service, which has no TLS.
  if (url.protocol !== 'http:') throw new Error(`download: ${url.href}: expected an http:// URL`);
  const port = Number(url.port || 80);
  const request =
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return new Promise<void>((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    let length = -1; // -1: until the connection ends
    let got = 0;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const fail = (message: string) => new Error(`download of ${url.href}: ${message}`);
    // Takes what the socket read; throws to end the request with an error.
    const take = (data: Buffer) => {
      let body = data;
      if (head) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD) throw fail(`no end of the response head in ${MAX_HEAD} bytes`);
          return;
        }
        const parsed = parseHead(head.subarray(0, end).toString('latin1'), fail);
        body = head.subarray(end + 4);
        head = undefined;
        if (!sink.head(parsed)) return finish();
        if (parsed.headers['transfer-encoding']?.includes('chunked')) throw fail('chunked responses are not supported (expected Content-Length)');
        if (parsed.headers['content-length'] !== undefined) length = Number(parsed.headers['content-length']);
      }
      if (length >= 0 && got + body.length > length) body = body.subarray(0, length - got);
      if (body.length) sink.body(body);
      got += body.length;
      if (got === length) finish();
    };
    const feed = (data: Buffer) => {
      if (settled) return;
      try {
        take(data);
      } catch (e) {
        finish(e as Error);
      }
    };
    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n: number, buf: Buffer) => (feed(buf.subarray(0, n)), true) };
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, onread } as net.NetConnectOpts, () => socket.write(request));
    socket.setTimeout(o.idleTimeoutMs ?? 30_000, () => finish(fail(`no data for ${(o.idleTimeoutMs ?? 30_000) / 1000} s after ${got} bytes`)));
    socket.on('error', (e) => finish(fail(e.message)));
    socket.on('close', () => {
      if (head) finish(fail('the connection closed before a response'));
      else if (length >= 0 && got < length) finish(fail(`cut off after ${got} of ${length} bytes`));
      else finish();
    });
  });
}

function parseHead(text: string, fail: (message: string) => Error): ResponseHead {
  const [statusLine, ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw fail(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), headers };
}
