import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLeaseStore } from '../rack/open-store.ts';
import { postgresForFile } from '../testing/postgres-server.ts';
import { openHistoryStore } from './history-store.ts';
import Database from 'better-sqlite3';
import { digestRun } from './run-digest.ts';
import { seededHistory } from './testing-fixtures/seeded-history.ts';

// The run history in both stores the rack can have: the SQLite file, and a real PostgreSQL 15
// started for this file (a database per test). The history shares the store with the leases.

const root = path.resolve(import.meta.dirname, '../..');
const lastNight = new Date('2026-11-26T01:00:00Z');

interface Backend {
  name: string;
  fresh(): Promise<string>;
}

function historyContract(backend: Backend): void {
  test(`${backend.name}: 32 seeded nights go in and come back the same, oldest first; --since keeps the later ones`, async () => {
    const spec = await backend.fresh();
    const runs = seededHistory({ nights: 32, lastNight, regressionFrom: 29, reportLink: (n, t) => `file:///reports/night-${n}/index.html#?testId=t${t}` });
    const store = await openHistoryStore(spec, root);
    try {
      for (const r of [...runs].reverse()) await store.append(r);
      const back = await store.runs();
      expect(back.map((r) => r.runId)).toEqual(runs.map((r) => r.runId));
      expect(back).toEqual(runs);
      const since = await store.runs({ since: runs[22].startedAt });
      expect(since.map((r) => r.runId)).toEqual(runs.slice(22).map((r) => r.runId));
      // The digests the trend page reads are the runs' own, --since included.
      expect(await store.digests()).toEqual(runs.map(digestRun));
      expect(await store.digests({ since: runs[22].startedAt })).toEqual(runs.slice(22).map(digestRun));
    } finally {
      await store.close();
    }
  });

  test(`${backend.name}: the same run appended again replaces the first; the lease store's tables live beside the history's`, async () => {
    const spec = await backend.fresh();
    const [a, b] = seededHistory({ nights: 2, lastNight });
    const leases = await openLeaseStore(spec, root);
    const store = await openHistoryStore(spec, root);
    try {
      await store.append(a);
      await store.append({ ...a, imageVersion: '9.9.9', tests: a.tests.slice(0, 3) });
      await store.append(b);
      const back = await store.runs();
      expect(back.map((r) => [r.runId, r.imageVersion, r.tests.length])).toEqual([
        [a.runId, '9.9.9', 3],
        [b.runId, b.imageVersion, b.tests.length],
      ]);
      expect((await leases.snapshot()).leases).toEqual([]);
      // A second history store on the same database finds the tables and the runs.
      const other = await openHistoryStore(spec, root);
      expect((await other.runs()).length).toBe(2);
      await other.close();
    } finally {
      await store.close();
      await leases.close();
    }
  });
}

test.describe('SQLite', () => {
  const dirs: string[] = [];
  test.afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  historyContract({
    name: 'SQLite',
    fresh: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-history-'));
      dirs.push(dir);
      return path.join(dir, 'rack.sqlite');
    },
  });

  test('SQLite: a history written before runs had digests gains the column, and its runs are digested from their tests', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-history-'));
    dirs.push(dir);
    const file = path.join(dir, 'rack.sqlite');
    const runs = seededHistory({ nights: 3, lastNight, regressionFrom: 2 });
    const old = new Database(file);
    old.exec('CREATE TABLE history_runs (run_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, git_revision TEXT, image_version TEXT, tests TEXT NOT NULL)');
    for (const r of runs.slice(0, 2)) old.prepare('INSERT INTO history_runs VALUES (?, ?, ?, ?, ?)').run(r.runId, r.startedAt.getTime(), r.gitRevision ?? null, r.imageVersion ?? null, JSON.stringify(r.tests));
    old.close();
    const store = await openHistoryStore(file, root);
    try {
      await store.append(runs[2]);
      expect(await store.digests()).toEqual(runs.map(digestRun));
    } finally {
      await store.close();
    }
  });

  test('SQLite: a store that cannot be opened is a lab fault naming the file and HIL_LEASE_STORE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-history-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    const spec = path.join(dir, 'a-file', 'rack.sqlite');
    const err = await openHistoryStore(spec, root).catch((e: Error) => e);
    expect((err as Error).message).toContain(`cannot open the run history in ${spec} (HIL_LEASE_STORE): E`); // EEXIST or ENOTDIR: the folder is a file
    expect((err as { failureClass?: string }).failureClass).toBe('lab-fault');
  });
});

test.describe('PostgreSQL', () => {
  historyContract({ name: 'PostgreSQL', fresh: postgresForFile(test).freshDatabase });
});
