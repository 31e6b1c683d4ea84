import { z } from 'zod';
import { LabFault } from '../../errors.ts';
import { type PowerDriver } from '../power-driver.ts';
import { powerDriverKind } from './power-driver-kind.ts';

// An outlet of a PDU that a PDUDaemon (LAVA's PDU daemon, Debian package `pdudaemon`) drives,
// through its HTTP API: GET /power/control/{on,off,reboot}?hostname=PDU&port=N[&delay=S].
//
// When has the outlet switched? Debian 12's pdudaemon (0.0.8) answers once the PDU's driver has
// returned: the listener awaits the job on the PDU's one-worker queue (requests to one PDU run one
// at a time, in order). It answers 200 even when the PDU's driver failed all its retries, and it
// has no status endpoint. So `on`/`off` resolve when PDUDaemon says it did the job; whether the
// board really lost power is seen on the board (the console going quiet, the bootloader's banner
// after on): the caller's bounded wait, not this driver's. `status` is absent for that reason.
// (Older releases queued requests in a database and answered at once: the same wait covers them.)
// PDUDaemon refuses (500 "Invalid request") an unknown PDU hostname, a missing port or request.

const REQUEST_LIMIT_MS = 60_000;

const schema = z.strictObject({
  driver: z.literal('pdudaemon'),
  /** PDUDaemon's HTTP listener, e.g. http://pdu-host:16421 (user:password@ for a proxy in front: sent as Basic auth). */
  url: z.url({ protocol: /^https?$/, error: 'expected the http:// URL of the PDUDaemon listener (e.g. http://lab-host:16421)' }),
  /** The PDU's name in pdudaemon.conf (its `pdus` key). */
  hostname: z.string({ error: 'expected the PDU name of pdudaemon.conf' }).trim().min(1, { error: 'expected the PDU name of pdudaemon.conf' }),
  /** The outlet. */
  port: z.number({ error: 'expected the PDU outlet number' }).int().positive({ error: 'expected the PDU outlet number' }),
  /** Seconds off during a cycle (PDUDaemon's reboot delay; its default is 5). */
  delay: z.number({ error: 'expected seconds' }).int().nonnegative().optional(),
  /** Limit for one request, in ms (default 60 s, plus the delay for a cycle). */
  timeoutMs: z.number({ error: 'expected milliseconds' }).int().positive().max(2 ** 31 - 1).optional(),
});

export type PduDaemonOutlet = z.output<typeof schema>;

type Request = 'on' | 'off' | 'reboot';

export class PduDaemonPower implements PowerDriver {
  readonly canCut = true;
  private readonly endpoint: URL;
  private readonly authorization: string | undefined;
  /** The URL as messages show it: no user or password. */
  readonly where: string;

  constructor(private readonly outlet: Omit<PduDaemonOutlet, 'driver'>) {
    const u = new URL(outlet.url);
    this.authorization = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    this.endpoint = u;
    this.where = u.href.replace(/\/$/, '');
  }

  async on(): Promise<void> {
    await this.request('on');
  }

  async off(): Promise<void> {
    await this.request('off');
  }

  /** PDUDaemon's reboot: off, `delay` seconds, on, as one job (answered after the on). */
  async cycle(): Promise<void> {
    await this.request('reboot');
  }

  /** An outlet switched off is a cut: the board is not told. The instant is the request's plus the PDU's latency. */
  async cut(): Promise<void> {
    await this.off();
  }

  /** The outlet stays as it is: the lab owns its power between runs. */
  async release(): Promise<void> {}

  private async request(req: Request): Promise<void> {
    const url = new URL(`power/control/${req}`, this.endpoint);
    url.searchParams.set('hostname', this.outlet.hostname);
    url.searchParams.set('port', String(this.outlet.port));
    // PDUDaemon calls a delay on on/off deprecated: only the reboot gets it.
    if (req === 'reboot' && this.outlet.delay !== undefined) url.searchParams.set('delay', String(this.outlet.delay));
    const limit = (this.outlet.timeoutMs ?? REQUEST_LIMIT_MS) + (req === 'reboot' ? (this.outlet.delay ?? 5) * 1000 : 0);
    const what = `power ${req === 'reboot' ? 'cycle' : req} of PDU "${this.outlet.hostname}" port ${this.outlet.port} through PDUDaemon at ${this.where}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.authorization ? { authorization: this.authorization } : {}, signal: AbortSignal.timeout(limit) });
    } catch (e) {
      const err = e as Error & { cause?: { message?: string } };
      if (err.name === 'TimeoutError') throw new LabFault(`${what}: no answer within ${limit / 1000} s`, { phase: 'power' });
      throw new LabFault(`${what}: unreachable (${err.cause?.message ?? err.message})`, { phase: 'power' });
    }
    const body = (await res.text().catch(() => '')).trim().split('\n')[0].slice(0, 200);
    if (res.ok) return;
    const hint = res.status === 500 && /invalid request/i.test(body) ? `: is "${this.outlet.hostname}" a PDU (or alias) of its pdudaemon.conf, and port ${this.outlet.port} one of its outlets?` : '';
    throw new LabFault(`${what}: refused with HTTP ${res.status}${body ? ` (${body})` : ''}${hint}`, { phase: 'power' });
  }
}

export const pdudaemon = powerDriverKind({
  schema,
  canCut: true,
  create: ({ driver: _driver, ...outlet }) => new PduDaemonPower(outlet),
});
