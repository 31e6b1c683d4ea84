import { test, expect } from '@playwright/test';
import { thisHolder } from './holder-process.ts';
import type { LeaseStore } from './lease-store.ts';
import { acquire } from './leases.ts';
import { openLeaseStore } from './open-store.ts';
import { projectRoot, spawnHolder, type HolderChild } from './testing-fixtures/holder-child.ts';

// What every lease store must do, shown with real worker processes: run by sqlite-store.test.ts
// and postgres-store.test.ts against their backend.

export interface StoreBackend {
  name: string;
  /** A fresh, empty store: its HIL_LEASE_STORE value. */
  fresh(): Promise<string>;
}

export function leaseStoreContract(backend: StoreBackend): void {
  const { name } = backend;
  let spec: string;
  let store: LeaseStore;
  const children: HolderChild[] = [];
  const holder = (cfg: Parameters<typeof spawnHolder>[0]) => {
    const c = spawnHolder(cfg);
    children.push(c);
    return c;
  };

  test.beforeEach(async () => {
    spec = await backend.fresh();
    store = await openLeaseStore(spec, projectRoot);
  });

  test.afterEach(async () => {
    for (const c of children.splice(0)) {
      c.child.kill('SIGCONT');
      await c.end();
    }
    await store.close();
  });

  test(`${name}: of five processes racing for one board, exactly one wins`, async () => {
    const racers = Array.from({ length: 5 }, () => holder({ store: spec, boards: ['sama5d2-1'], ttlMs: 30_000, waitForGo: true }));
    await Promise.all(racers.map((r) => r.next('ready')));
    for (const r of racers) r.go();
    const outcomes = await Promise.all(racers.map((r) => r.next(['taken', 'none'])));
    expect(outcomes.filter((o) => o.event === 'taken')).toHaveLength(1);
    expect(outcomes.filter((o) => o.event === 'none')).toHaveLength(4);
    const winner = racers[outcomes.findIndex((o) => o.event === 'taken')];
    const snap = await store.snapshot();
    expect(snap.leases.map((l) => [l.board, l.holder.pid])).toEqual([['sama5d2-1', winner.pid]]);
  });

  test(`${name}: a worker killed with SIGKILL: its board is leased again at once, not after the TTL`, async () => {
    const worker = holder({ store: spec, boards: ['bbgw-1'], ttlMs: 60_000 });
    await worker.next('taken');
    expect(await store.take({ board: 'bbgw-1', holder: thisHolder('second'), kind: 'session', ttlMs: 5000 })).toBeUndefined();
    const t0 = Date.now();
    worker.child.kill('SIGKILL');
    const lease = await acquire({ store, boards: ['bbgw-1'], want: 'bbgw board', holder: thisHolder('second'), kind: 'session', ttlMs: 5000, timeoutMs: 10_000, pollMs: 50 });
    const ms = Date.now() - t0;
    test.info().annotations.push({ type: 'leased again after SIGKILL', description: `${ms} ms (TTL 60000 ms)` });
    expect(lease.board).toBe('bbgw-1');
    expect(ms).toBeLessThan(5000);
  });

  test(`${name}: a hung holder keeps its board until the TTL runs out, then hears it lost it`, async () => {
    const ttlMs = 1500;
    const worker = holder({ store: spec, boards: ['bbgw-1'], ttlMs });
    await worker.next('taken');
    const t0 = Date.now();
    worker.child.kill('SIGSTOP'); // alive, connection open, renewing no more
    expect(await store.take({ board: 'bbgw-1', holder: thisHolder('second'), kind: 'session', ttlMs: 30_000 })).toBeUndefined();
    await acquire({ store, boards: ['bbgw-1'], want: 'bbgw board', holder: thisHolder('second'), kind: 'session', ttlMs: 30_000, timeoutMs: 10_000, pollMs: 50 });
    const ms = Date.now() - t0;
    test.info().annotations.push({ type: 'taken from a hung holder after', description: `${ms} ms (TTL ${ttlMs} ms, renewed every ${ttlMs / 3} ms)` });
    // The last renewal came at most TTL/3 before the stop: the lease lapsed 2/3 TTL after it at the earliest.
    expect(ms).toBeGreaterThanOrEqual((ttlMs * 2) / 3 - 50);
    worker.child.kill('SIGCONT');
    const lost = await worker.next('lost');
    expect(lost.reason).toContain('bbgw-1');
    expect(lost.reason).toContain(`pid ${process.pid} (second)`);
  });

  test(`${name}: a holder whose clock is two hours ahead gets a lease that ends on the store's clock`, async () => {
    const skewed = holder({ store: spec, boards: ['sama5d2-4'], ttlMs: 30_000, clockSkewMs: 2 * 3600_000 });
    const ready = await skewed.next('ready');
    await skewed.next('taken');
    const snap = await store.snapshot();
    expect(Date.parse(ready.localNow!) - snap.now.getTime()).toBeGreaterThan(3600_000);
    const left = snap.leases.find((l) => l.board === 'sama5d2-4')!.expiresAt.getTime() - snap.now.getTime();
    expect(left).toBeGreaterThan(20_000);
    expect(left).toBeLessThanOrEqual(30_000);
  });

  test(`${name}: an out-of-service board is never leased until it is returned`, async () => {
    await store.markOutOfService({ board: 'sama5d2-2', reason: 'health check: no login prompt within 60 s', lastLines: ['U-Boot 2023.01', 'Starting kernel ...'], by: 'test' });
    expect(await store.take({ board: 'sama5d2-2', holder: thisHolder('t'), kind: 'session', ttlMs: 5000 })).toBeUndefined();
    const worker = holder({ store: spec, boards: ['sama5d2-2', 'sama5d2-3'], ttlMs: 5000 });
    expect((await worker.next('taken')).board).toBe('sama5d2-3');
    const snap = await store.snapshot();
    expect(snap.outOfService).toEqual([expect.objectContaining({ board: 'sama5d2-2', reason: 'health check: no login prompt within 60 s', lastLines: ['U-Boot 2023.01', 'Starting kernel ...'], by: 'test' })]);
    expect((await store.returnToService('sama5d2-2'))?.reason).toContain('no login prompt');
    expect(await store.returnToService('sama5d2-2')).toBeUndefined();
    expect((await store.take({ board: 'sama5d2-2', holder: thisHolder('t'), kind: 'session', ttlMs: 5000 }))?.board).toBe('sama5d2-2');
  });

  test(`${name}: release needs the holder's token; a reservation outlives the process that made it`, async () => {
    const mine = (await store.take({ board: 'bbgw-2', holder: thisHolder('t'), kind: 'session', ttlMs: 5000 }))!;
    expect(await store.release('bbgw-2', 'not-the-token')).toBe(false);
    expect(await store.forceRelease('bbgw-2', { kind: 'reservation' })).toBeUndefined();
    expect(await store.renew('bbgw-2', mine.token, 5000)).toBeDefined();
    expect(await store.release('bbgw-2', mine.token)).toBe(true);
    expect(await store.renew('bbgw-2', mine.token, 5000)).toBeUndefined();

    const bench = holder({ store: spec, boards: ['bbgw-2'], ttlMs: 60_000, kind: 'reservation', job: 'reserved by ana' });
    await bench.next('taken');
    bench.child.kill('SIGKILL');
    await bench.exited;
    expect(await store.take({ board: 'bbgw-2', holder: thisHolder('t'), kind: 'session', ttlMs: 5000 })).toBeUndefined();
    const ended = await store.forceRelease('bbgw-2', { kind: 'reservation' });
    expect(ended).toMatchObject({ board: 'bbgw-2', kind: 'reservation', holder: { job: 'reserved by ana', pid: bench.pid } });
    expect(ended!.expiresAt.getTime() - ended!.acquiredAt.getTime()).toBe(60_000);
  });
}
