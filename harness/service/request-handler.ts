import type http from 'node:http';
import type { HarnessLogger } from '../logger.ts';
import type { Accounts } from './accounts.ts';
import { HttpError, isNoSpace, newTrace, sendError } from './http-util.ts';
import type { Route, RouteContext } from './partner-api.ts';
import type { ServiceStore } from './store.ts';

// Routing, authentication and the mapping of failures to answers. Whatever a request holds, it
// gets an answer and the service lives on: a malformed target or escape is a 400; anything
// unexpected is a 500 whose body says only its trace id (no message, path or stack of the
// server's), while the log has the cause under that trace.

export interface HandlerOptions {
  routes: Route[];
  store: ServiceStore;
  accounts: Accounts;
  log: HarnessLogger;
  /** For a request without a Host header. */
  port: number;
  /** A request body that stops arriving for this long gets a 408. */
  idleTimeoutMs: number;
}

/** The request target as a URL; 400 when it is not a path. */
function parseTarget(target: string): URL {
  if (!target.startsWith('/')) throw new HttpError(400, 'Bad Request', 'the request target must be a path starting with "/"');
  try {
    return new URL(`http://service${target}`);
  } catch {
    throw new HttpError(400, 'Bad Request', 'the request target is not a valid path');
  }
}

function decodeParams(groups: Record<string, string> = {}): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, decodeURIComponent(v)]));
  } catch {
    throw new HttpError(400, 'Bad Request', 'the path has a malformed %-escape');
  }
}

function route(o: HandlerOptions, method: string | undefined, pathname: string): { route: Route; params: Record<string, string> } {
  let methodMismatch = false;
  for (const r of o.routes) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method === method) return { route: r, params: decodeParams(m.groups) };
    methodMismatch = true;
  }
  throw methodMismatch ? new HttpError(405, 'Method Not Allowed', `${method} is not allowed here`) : new HttpError(404, 'Not Found', 'no such endpoint');
}

export function requestHandler(o: HandlerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let pathname = '';
    try {
      // A body that stops arriving: answer 408, then drop the request.
      req.setTimeout(o.idleTimeoutMs, () => {
        res.setHeader('connection', 'close');
        sendError(res, req, new HttpError(408, 'Request Timeout', `nothing received for ${o.idleTimeoutMs / 1000} s`));
        res.once('finish', () => req.destroy()); // and the connection: the route's read fails
      });
      const url = parseTarget(req.url ?? '');
      pathname = url.pathname;
      const { route: r, params } = route(o, req.method, url.pathname);
      const ctx: RouteContext = { req, res, url, store: o.store, accounts: o.accounts, baseUrl: `http://${req.headers.host ?? `127.0.0.1:${o.port}`}` };
      if (r.auth) {
        const a = o.accounts.authenticate(req.headers.authorization);
        if ('problem' in a) throw new HttpError(401, 'invalid_token', a.problem);
        if (params.pid !== undefined && params.pid !== a.account.partnerId) throw new HttpError(403, 'Forbidden', `partner ${params.pid} is not this account's`);
        ctx.account = a.account;
      }
      await r.handle(ctx, params);
      o.log.debug({ method: req.method, path: pathname, status: res.statusCode }, 'request');
    } catch (e) {
      const trace = newTrace();
      let err: HttpError;
      if (e instanceof HttpError) err = e;
      else if (isNoSpace(e)) err = new HttpError(507, 'Insufficient Storage', 'the service could not save the change: no space left on its disk');
      else err = new HttpError(500, 'Internal Server Error', 'internal error; quote the trace when reporting it');
      if (err.status >= 500) o.log.error({ method: req.method, path: pathname, trace, err: (e as Error).message, stack: (e as Error).stack }, 'request failed');
      sendError(res, req, err, trace);
    }
  }
  return (req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Sending the error answer failed too: log it, drop the connection, live on.
      o.log.error({ method: req.method, err: (e as Error)?.message }, 'request failed, and so did its error answer');
      res.destroy();
    });
  };
}
