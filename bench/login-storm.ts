import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadPartnerConf } from '../harness/ota/partner-conf.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** One GET on a kept-alive connection of its own; its latency in ms. */
function timedGet(agent: http.Agent, url: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`bench: poll answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

function quantiles(ms: number[]): { p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
  return { p50: q(0.5), p99: q(0.99), max: Math.round(s.at(-1)! * 10) / 10 };
}

/**
 * The lab OTA service as its own process: device-poll latency (`GET .../pending` on one kept-alive
 * connection) idle, then while `logins` token requests run at once. Bounded: the storm is
 * abandoned after `limitMs`. Prints its figures and returns them.
 */
export async function benchLoginStorm(logins = 200, limitMs = 60_000): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-login-'));
  const svc = spawn('node', [path.join(root, 'bin/hil.js'), 'service', 'start', '--port', '0', '--data', path.join(dir, 'data')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      svc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /listening on (http:\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      svc.once('exit', (code) => reject(new Error(`bench: the service exited at start (code ${code})`)));
    });
    const conf = loadPartnerConf(path.join(dir, 'data', 'partner-ota-conf.json'));
    const poll = `${base}/v1/ota/lab/devices/012359551bf18eba/pending`;
    const idle: number[] = [];
    for (let i = 0; i < 120; i++) idle.push(await timedGet(agent, poll));
    idle.splice(0, 20); // JIT warm-up

    const storm: number[] = [];
    const statuses = new Map<number, number>();
    const t0 = performance.now();
    const limit = AbortSignal.timeout(limitMs);
    const body = new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' }).toString();
    const loginDone = Promise.all(
      Array.from({ length: logins }, () =>
        fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}`, 'content-type': 'application/x-www-form-urlencoded' }, body, signal: limit })
          .then(async (r) => {
            await r.arrayBuffer();
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          })
          .catch(() => statuses.set(0, (statuses.get(0) ?? 0) + 1)),
      ),
    );
    let stormOver = false;
    void loginDone.then(() => (stormOver = true));
    // A device polls now and then, not flat out: one poll each 10 ms leaves the CPU to the logins.
    while (!stormOver && !limit.aborted) {
      storm.push(await timedGet(agent, poll));
      await new Promise((r) => setTimeout(r, 10));
    }
    await loginDone;
    const loginsS = (performance.now() - t0) / 1000;

    const i = quantiles(idle);
    const s = quantiles(storm);
    const r = {
      idlePollP50Ms: i.p50,
      idlePollP99Ms: i.p99,
      stormPollP50Ms: s.p50,
      stormPollP99Ms: s.p99,
      stormPollMaxMs: s.max,
      stormPolls: storm.length,
      logins,
      logins200: statuses.get(200) ?? 0,
      logins503: statuses.get(503) ?? 0,
      loginsFailed: logins - (statuses.get(200) ?? 0) - (statuses.get(503) ?? 0),
      loginsSeconds: Math.round(loginsS * 100) / 100,
    };
    process.stdout.write(
      `device polls idle: p50 ${r.idlePollP50Ms} ms  p99 ${r.idlePollP99Ms} ms\n` +
        `device polls during ${logins} concurrent logins: p50 ${r.stormPollP50Ms} ms  p99 ${r.stormPollP99Ms} ms  max ${r.stormPollMaxMs} ms  (${r.stormPolls} polls; target p99 < 100 ms)\n` +
        `logins: ${r.logins200} answered 200, ${r.logins503} 503 (Retry-After), ${r.loginsFailed} other, all done in ${r.loginsSeconds} s\n`,
    );
    return r;
  } finally {
    agent.destroy();
    svc.kill('SIGTERM');
    if (svc.exitCode === null && svc.signalCode === null) await new Promise((r) => svc.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
