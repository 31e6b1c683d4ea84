import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * POSTs a file as the request body with Node's http client, streamed from disk (never held in
 * memory), and gives the answer as a fetch Response so that callers treat it like any other call.
 * fetch with a streamed body goes through web streams and spent twice the CPU: 0.76x curl's
 * upload rate on a 256 MiB image, against 0.97x this way.
 */
export async function postFile(url: string, headers: Record<string, string>, file: string, onProgress?: (sent: number, total: number) => void): Promise<Response> {
  const total = fs.statSync(file).size;
  const request = (url.startsWith('https:') ? https : http).request(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(total) },
  });
  // A connection silent this long is dead (fetch's own default); the caller's retry decides.
  request.setTimeout(300_000, () => request.destroy(new Error('no progress for 300 s')));
  const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const body = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let sent = 0;
  if (onProgress)
    body.on('data', (c) => {
      sent += c.length;
      onProgress(sent, total);
    });
  // A service may answer before it has read the body (401, 413): its answer counts; the rest of
  // the body is sent or dropped as the connection allows.
  const [res] = await Promise.all([answer, pipeline(body, request).catch(() => undefined)]);
  const responseHeaders = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
  const noBody = res.statusCode === 204 || res.statusCode === 304;
  if (noBody) res.resume();
  return new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream), { status: res.statusCode ?? 0, headers: responseHeaders });
}
