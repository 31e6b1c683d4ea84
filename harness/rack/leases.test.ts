import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitUntil } from '../wait/wait-until.ts';
import { HeldLease } from './held-lease.ts';
import { thisHolder } from './holder-process.ts';
import { acquire, NoBoardFreeError } from './leases.ts';
import { SqliteLeaseStore } from './sqlite-store.ts';

// Taking a board of a pool, and keeping it: in-process, on a SQLite store in a folder of its own.

let dir: string;
let store: SqliteLeaseStore;

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-leases-'));
  store = new SqliteLeaseStore(path.join(dir, 'rack.sqlite'));
});

test.afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const pool = ['sama5d2-1', 'sama5d2-2', 'sama5d2-3'];
const take = (job: string, ttlMs = 30_000) => acquire({ store, boards: pool, want: 'sama5d2 board', holder: thisHolder(job), kind: 'session', ttlMs });

test('a pool hands out its free boards in order; with none free the error names each board and its holder or reason', async () => {
  await store.markOutOfService({ board: 'sama5d2-2', reason: 'health check: no shell prompt', lastLines: [], by: 'nightly' });
  expect((await take('a')).board).toBe('sama5d2-1');
  expect((await take('b')).board).toBe('sama5d2-3');
  const e = await take('c').catch((x: unknown) => x);
  expect(e).toBeInstanceOf(NoBoardFreeError);
  const message = (e as NoBoardFreeError).message;
  expect(message).toContain(`no sama5d2 board is free (rack store ${store.description}):`);
  expect(message).toMatch(/sama5d2-1: leased by .* pid \d+ \(a\) until /);
  expect(message).toContain('sama5d2-2: out of service since');
  expect(message).toContain('(health check: no shell prompt)');
  expect(message).toMatch(/sama5d2-3: leased by .* pid \d+ \(b\) until /);
  expect((e as NoBoardFreeError).failureClass).toBe('lab-fault');
  await expect(take('d', 61_000)).rejects.toThrow("a session lease's TTL must be 1..60000 ms, got 61000");
});

test('a held lease is renewed: it outlives its TTL many times over while its holder lives, and is free once released', async () => {
  const ttlMs = 600;
  const lease = await take('keeper', ttlMs);
  const held = new HeldLease(store, lease, ttlMs);
  // The renewals are seen in the store: wait until the lease has been extended past 3 TTLs.
  await waitUntil({
    awaited: `the lease on ${lease.board} renewed past 3 TTLs`,
    where: store.description,
    timeoutMs: 10_000,
    lastLines: () => [],
    watch(resolve) {
      const t = setInterval(async () => {
        const l = (await store.snapshot()).leases.find((x) => x.board === lease.board);
        if (l && l.expiresAt.getTime() - lease.acquiredAt.getTime() > 3 * ttlMs) resolve(undefined);
      }, 100);
      return () => clearInterval(t);
    },
  });
  expect(held.lost).toBeUndefined();
  expect((await take('other', ttlMs)).board).not.toBe(lease.board);
  await held.release();
  expect((await store.snapshot()).leases.map((l) => l.holder.job)).toEqual(['other']);
});
