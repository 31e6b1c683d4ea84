import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresForFile, startPostgres } from './postgres-server.ts';
import { processStart } from '../rack/holder-process.ts';
import { waitUntil } from '../wait/wait-until.ts';

// The test PostgreSQL: a real server on loopback that stops with its test, and with its test
// process even when that process is killed.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('a started PostgreSQL answers on loopback; stop ends it and removes its folder', async () => {
  const server = await startPostgres();
  const client = new pg.Client(server.url());
  await client.connect();
  const r = await client.query<{ v: string; addr: string }>("SELECT current_setting('server_version') AS v, inet_server_addr()::text AS addr");
  await client.end();
  expect(r.rows[0].v).toMatch(/^15\./);
  expect(r.rows[0].addr).toBe('127.0.0.1/32');
  await server.stop();
  expect(processStart(server.pid)).toBeUndefined();
  expect(fs.existsSync(server.dir)).toBe(false);
});

test('a PostgreSQL started by a process that is killed with SIGKILL stops by itself', async () => {
  const script = `import { startPostgres } from './harness/testing/postgres-server.ts';
    const s = await startPostgres(); process.stdout.write(JSON.stringify({ pid: s.pid, dir: s.dir }) + '\\n'); setInterval(() => {}, 1000);`;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const { pid, dir } = await waitUntil<{ pid: number; dir: string }>({
    awaited: 'the PostgreSQL pid from its owner',
    where: `pid ${owner.pid}`,
    timeoutMs: 30_000,
    lastLines: () => [],
    watch(resolve) {
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        const line = out.split('\n').find((l) => l.startsWith('{"pid":'));
        if (line) resolve(JSON.parse(line) as { pid: number; dir: string });
      };
      owner.stdout!.on('data', onData);
      return () => owner.stdout!.off('data', onData);
    },
  });
  expect(processStart(pid)).toBeDefined();
  owner.kill('SIGKILL');
  await waitUntil({
    awaited: `PostgreSQL (pid ${pid}) to exit after its owner was killed`,
    where: 'this host',
    timeoutMs: 15_000,
    lastLines: () => [],
    // No event tells when an unrelated process ends: look every 100 ms.
    watch(resolve) {
      const t = setInterval(() => processStart(pid) === undefined && resolve(undefined), 100);
      return () => clearInterval(t);
    },
  });
  // Its owner died before it could remove the data folder.
  fs.rmSync(dir, { recursive: true, force: true });
});

test.describe('postgresForFile', () => {
  const postgres = postgresForFile(test);
  const publicTables = async (url: string) => (await postgres.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'", [], new URL(url).pathname.slice(1))).rows[0].n;

  test('each fresh database is a new, empty one on the one server of the file', async () => {
    const [a, b] = [await postgres.freshDatabase(), await postgres.freshDatabase()];
    expect(a).not.toBe(b);
    expect(new URL(a).port).toBe(new URL(b).port);
    await postgres.query('CREATE TABLE leftover (x int)', [], new URL(a).pathname.slice(1));
    expect(await publicTables(a)).toBe(1);
    expect(await publicTables(b)).toBe(0);
  });

  test('used before its server started (its hooks never ran), it says so', async () => {
    const unstarted = postgresForFile({ beforeAll: () => {}, afterAll: () => {} });
    await expect(unstarted.freshDatabase()).rejects.toThrow('the PostgreSQL of this file is not started: use it in its tests, not while the file is loaded');
  });
});
