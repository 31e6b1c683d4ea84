import crypto from 'node:crypto';
import type http from 'node:http';

// Responses in the shape of Afero's service: JSON bodies; errors with status, error, message,
// path, timestamp and a trace id to quote when reporting a problem.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    /** Extra response headers (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function newTrace(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Errors of a full disk (ENOSPC), a quota (EDQUOT) or a file-size limit (EFBIG). */
export function isNoSpace(e: unknown): boolean {
  return ['ENOSPC', 'EDQUOT', 'EFBIG'].includes((e as NodeJS.ErrnoException)?.code ?? '');
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export function sendError(res: http.ServerResponse, req: http.IncomingMessage, e: HttpError, trace = newTrace()): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy(); // cut mid-answer: the client must not take it as whole
    return;
  }
  if (!req.complete) req.resume(); // read and drop the rest of a body refused early, as Node does
  sendJson(
    res,
    e.status,
    {
      status: e.status,
      error: e.error,
      error_description: e.message,
      message: e.message,
      path: (req.url ?? '').split('?')[0],
      timestamp: Date.now(),
      trace,
    },
    e.headers,
  );
}

/** Reads a small request body (JSON or form); refuses bodies over `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, 'Payload Too Large', `request body over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Bad Request', 'request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'Bad Request', 'expected a JSON object');
  return v as Record<string, unknown>;
}
