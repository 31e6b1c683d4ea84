import http from 'node:http';
import net from 'node:net';
import type { PartnerConf } from './partner-conf.ts';

// Real loopback servers that misbehave as the lab service cannot be made to (a 5xx, an HTML page,
// silence), for the OTA client's and the CLI's tests. Each closes with its test.

export const SECRET_PW = 'pw-Secret-4711';
export const SECRET_AUTH = 'c2VjcmV0Q2xpZW50OnNlY3JldA==';

export interface Peer {
  url: string;
  /** Requests seen, as "METHOD /path". */
  seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTP server that hands out a token at /oauth/token (unless `answer` handles it), and gives
 * every other request to `answer`; an answer that does nothing leaves the request hanging.
 */
export async function scriptedService(answer: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | void): Promise<Peer> {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (answer(req, res)) return;
    if (req.url === '/oauth/token') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-Secret-0815', token_type: 'bearer', expires_in: 3600 }));
    }
  });
  return listen(s, seen);
}

/** A TCP server that accepts connections and never says a word. */
export async function silentServer(): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.resume();
    c.on('close', () => sockets.delete(c));
  });
  const peer = await listen(s, []);
  return { ...peer, close: () => (sockets.forEach((c) => c.destroy()), peer.close()) };
}

async function listen(s: net.Server, seen: string[]): Promise<Peer> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        if (s instanceof http.Server) s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

/** A partner configuration for `baseUrl`, with secrets the tests look for in every output. */
export function confFor(baseUrl: string, dir = '/nonexistent'): PartnerConf {
  return {
    description: '',
    name: 'hub',
    version: '1.0',
    username: 'lab@example.com',
    userpw: SECRET_PW,
    'auth-string': SECRET_AUTH,
    deviceTypeId: 'dt-1',
    partnerId: 'partner-1',
    imageFiles: { A: 'hub_update.bin' },
    baseUrl,
    file: `${dir}/partner-ota-conf.json`,
    dir,
  };
}
