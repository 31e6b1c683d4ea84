import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { hil, scratchDir, type HilRun } from './spawn-hil.ts';
import { scriptedService, silentServer, confFor, SECRET_PW, SECRET_AUTH, type Peer } from '../ota/scripted-service.ts';
import { startOtaService } from '../service/server.ts';
import { createLogger } from '../logger.ts';

// `hil ota ...` against real loopback servers: the exit code follows from the failure's class
// (README: 1 refused, 2 bad input, 3 lab fault), and no secret is ever printed.

let peer: Peer | undefined;
let scratch: ReturnType<typeof scratchDir>;
test.beforeEach(() => {
  scratch = scratchDir();
});
test.afterEach(async () => {
  await peer?.close();
  peer = undefined;
  scratch.remove();
});

/** A build folder with a partner configuration (`conf`, or one for `baseUrl`). */
function workspace(o: { baseUrl?: string; conf?: unknown }): string {
  const dir = scratch.dir;
  const { file: _f, dir: _d, ...conf } = confFor(o.baseUrl ?? 'http://127.0.0.1:1');
  const text = o.conf === undefined ? JSON.stringify(conf) : typeof o.conf === 'string' ? o.conf : JSON.stringify(o.conf);
  fs.writeFileSync(path.join(dir, 'partner-ota-conf.json'), text);
  return dir;
}

function expectNoSecret(r: HilRun): void {
  for (const s of [SECRET_PW, SECRET_AUTH, 'tok-Secret-0815']) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

const oneLine = (r: HilRun) => expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);

test('a baseUrl that answers an HTML page is not an OTA service: exit 3, saying what answered', async () => {
  peer = await scriptedService((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
    return true;
  });
  const r = await hil(['ota', 'list'], { cwd: workspace({ baseUrl: peer.url }) });
  expect(r.status, r.stderr).toBe(3);
  oneLine(r);
  expect(r.stderr).toContain(`hil ota list: log in: ${peer.url}/oauth/token answered 200 text/html ("<html><body>Welcome to nginx!</body></html>"), not JSON: is ${peer.url} an OTA service? [lab fault]`);
});

test('a service that never answers fails within --timeout, naming the request: exit 3', async () => {
  peer = await silentServer();
  const r = await hil(['ota', 'list', '--timeout', '0.5'], { cwd: workspace({ baseUrl: peer.url }) });
  expect(r.status, r.stderr).toBe(3);
  oneLine(r);
  expect(r.stderr).toContain(`log in: POST ${peer.url}/oauth/token gave no answer within 0.5 s`);
  expect(r.ms).toBeLessThan(10_000);
});

const byStatus: [number, number][] = [
  [500, 3],
  [400, 1],
  [401, 2],
  [404, 2],
];
for (const [status, exit] of byStatus) {
  test(`a ${status} from the service exits ${exit}, the service's words redacted`, async () => {
    peer = await scriptedService((req, res) => {
      if (req.url === '/oauth/token') return false;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no ({"userpw": "${SECRET_PW}"})` }));
      return true;
    });
    const r = await hil(['ota', 'list', '--timeout', '5'], { cwd: workspace({ baseUrl: peer.url }) });
    expect(r.status, r.stderr).toBe(exit);
    oneLine(r);
    expect(r.stderr).toContain(`list the firmware images: the OTA service answered ${status}: no ({"userpw": "<redacted>"})`);
    expectNoSecret(r);
  });
}

const badConfs: [string, unknown, string][] = [
  ['a list holding the secrets', [{ userpw: SECRET_PW, 'auth-string': SECRET_AUTH }], '(top level): expected an object, found a list of 1'],
  ['a string that is the password', JSON.stringify(SECRET_PW), '(top level): expected an object, found a string'],
  ['a baseUrl with user:password@', { ...confFor('http://127.0.0.1:1'), file: undefined, dir: undefined, baseUrl: `http://lab:${SECRET_PW}@127.0.0.1:8480` }, 'baseUrl: expected a URL without user:password@ (the account goes in username and userpw), found "http://<redacted>@127.0.0.1:8480"'],
  ['a bad auth-string', { ...confFor('http://127.0.0.1:1'), file: undefined, dir: undefined, 'auth-string': `${SECRET_AUTH}!` }, 'auth-string: expected base64 text, found a value that is not shown (a string: it may be a secret)'],
];
for (const [what, conf, message] of badConfs) {
  test(`a partner configuration that is ${what}: exit 2, the secret never shown`, async () => {
    const dir = workspace({ conf });
    const r = await hil(['ota', 'list'], { cwd: dir });
    expect(r.status, r.stderr).toBe(2);
    oneLine(r);
    expect(r.stderr).toContain(`partner-ota-conf.json: ${message}`);
    expectNoSecret(r);
  });
}

test('an image path that is a directory is bad input (exit 2), at once', async () => {
  const svc = await startOtaService({ dataDir: path.join(scratch.dir, 'service'), port: 0, logger: createLogger(path.join(scratch.dir, 'service.log')) });
  try {
    const dir = path.join(scratch.dir, 'build');
    fs.mkdirSync(path.join(dir, 'hub_update.bin'), { recursive: true });
    fs.copyFileSync(svc.confPath, path.join(dir, 'partner-ota-conf.json'));
    expect((await hil(['ota', 'record', '-n', '1', '-s'], { cwd: dir })).status).toBe(0);
    const r = await hil(['ota', 'upload', '-n', '1', '-s'], { cwd: dir });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`imageFiles.A: expected the image file, ${path.join(dir, 'hub_update.bin')} is a directory`);
    expect(r.stderr).not.toContain('cannot reach');
  } finally {
    await svc.close();
  }
});
