import { test, expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPartnerConf } from '../ota/partner-conf.ts';
import { hilBin, spawnService, stopService, type SpawnedService } from './spawned-service.ts';
import { startOtaService } from './server.ts';

// `hil service start` as its own process: how it runs as a daemon, and what a full disk does to it.

const run = promisify(execFile);
let spawned: SpawnedService | undefined;
test.afterEach(async () => {
  if (spawned) await stopService(spawned, 'SIGKILL');
  spawned = undefined;
});

for (const stdin of ['ignore', 'pipe'] as const) {
  test(`runs as a daemon with stdin ${stdin === 'ignore' ? '/dev/null' : 'a pipe that closes'}, until SIGTERM (exit 0)`, async ({}, testInfo) => {
    const s = (spawned = await spawnService(testInfo.outputPath('data'), { stdin }));
    s.child.stdin?.end(); // whoever started it has gone away
    for (let i = 0; i < 5; i++) expect((await fetch(`${s.url}/v1/ota/lab/publicKey`)).status).toBe(200);
    expect(s.child.exitCode).toBeNull();
    const { code } = await stopService(s, 'SIGTERM');
    expect(code).toBe(0);
    expect(s.output().stdout).toContain('lab OTA service stopped (SIGTERM)');
    expect(fs.existsSync(path.join(testInfo.outputPath('data'), 'service.lock'))).toBe(false);
  });
}

test('a second `hil service start` on a data folder in use exits 2, naming the folder and the holder', async ({}, testInfo) => {
  const dataDir = testInfo.outputPath('data');
  const s = (spawned = await spawnService(dataDir, { stdin: 'ignore' }));
  const second = await run(process.execPath, [hilBin, 'service', 'start', '--port', '0', '--data', dataDir]).catch((e) => e);
  expect(second.code).toBe(2);
  expect(second.stderr).toBe(`hil service start: the data folder ${dataDir} is in use by another lab OTA service (pid ${s.servicePid}, ${path.join(dataDir, 'service.lock')}); stop it, or use another --data folder\n`);
  expect((await fetch(`${s.url}/v1/ota/lab/publicKey`)).status).toBe(200);
});

async function token(url: string, confPath: string): Promise<{ auth: string; base: string }> {
  const conf = loadPartnerConf(confPath);
  const form = new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' });
  const tok = (await (await fetch(`${url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}` }, body: form })).json()) as { access_token: string };
  return { auth: `Bearer ${tok.access_token}`, base: `${url}/v1/ota/partners/${conf.partnerId}` };
}

test('disk full: a record that could not be written does not exist, in memory or after a restart; no *.tmp is left', async ({}, testInfo) => {
  const dataDir = testInfo.outputPath('data');
  const s = (spawned = await spawnService(dataDir, { stdin: 'pipe' }));
  const { auth, base } = await token(s.url, path.join(dataDir, 'partner-ota-conf.json'));
  const create = (n: number) => fetch(`${base}/pool`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'full', description: 'd'.repeat(200), type: 5, version: `1.0.${n}`, url: '' }) });
  expect((await create(0)).status).toBe(201);
  // A real write failure without a real full disk: the kernel's file-size limit (RLIMIT_FSIZE)
  // on the service process; its writes past the limit fail (EFBIG) as on a full disk (ENOSPC).
  const limit = fs.statSync(path.join(dataDir, 'state.json')).size + 1500;
  await run('prlimit', ['--pid', String(s.servicePid), `--fsize=${limit}`]);
  let n = 1;
  let failed: Response | undefined;
  for (; n < 50 && !failed; n++) {
    const r = await create(n);
    if (r.status !== 201) failed = r;
  }
  n--;
  expect(failed?.status).toBe(507);
  expect((await failed!.json()).message).toBe('the service could not save the change: no space left on its disk');
  expect((await create(n)).status).toBe(507); // not 409: the record was never made
  const exists = await fetch(`${base}/pool/types/5/names/full/versions/1.0.${n}/exists`, { headers: { authorization: auth } });
  expect(await exists.json()).toEqual({ value: false });
  // An upload that cannot be stored is refused the same way and leaves nothing behind.
  const up = await fetch(`${base}/binaries`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(limit * 2, 7) });
  expect(up.status).toBe(507);
  expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(fs.readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
  expect((await stopService(s)).code).toBe(0);
  spawned = undefined;

  const again = await startOtaService({ dataDir });
  try {
    const t = await token(again.url, again.confPath);
    const has = async (v: number) => ((await (await fetch(`${t.base}/pool/types/5/names/full/versions/1.0.${v}/exists`, { headers: { authorization: t.auth } })).json()) as { value: boolean }).value;
    expect(await has(n - 1)).toBe(true);
    expect(await has(n)).toBe(false);
  } finally {
    await again.close();
  }
});

test('device polls are answered while logins are pending', async ({}, testInfo) => {
  // Its own process, so that a blocked service cannot hold up this test's client too.
  const s = (spawned = await spawnService(testInfo.outputPath('data'), { stdin: 'pipe' }));
  const conf = loadPartnerConf(path.join(testInfo.outputPath('data'), 'partner-ota-conf.json'));
  const body = new URLSearchParams({ username: conf.username, password: conf.userpw, grant_type: 'password' }).toString();
  const logins = 24;
  let done = 0;
  let firstDone!: () => void;
  const first = new Promise<void>((r) => (firstDone = r));
  const all = Promise.all(
    Array.from({ length: logins }, async () => {
      const r = await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${conf['auth-string']}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      done++;
      firstDone();
    }),
  );
  await first; // the service is working through the logins now
  const poll = await fetch(`${s.url}/v1/ota/lab/devices/012359551bf18eba/pending`);
  expect(poll.status).toBe(200);
  const doneAtPoll = done;
  await all;
  expect(doneAtPoll, 'logins answered before the poll').toBeLessThan(logins / 2);
});
