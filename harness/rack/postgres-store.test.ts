import { test, expect } from '@playwright/test';
import { postgresForFile } from '../testing/postgres-server.ts';
import { thisHolder } from './holder-process.ts';
import { acquire } from './leases.ts';
import { openLeaseStore } from './open-store.ts';
import { leaseStoreContract } from './store-contract.ts';
import { projectRoot, spawnHolder } from './testing-fixtures/holder-child.ts';

// The PostgreSQL store (several hosts or CI runners), on a real PostgreSQL 15 started for this
// file; each test has a database of its own.

const postgres = postgresForFile(test);

leaseStoreContract({ name: 'PostgreSQL', fresh: postgres.freshDatabase });

/** The process id of the backend holding the session lock that the board's lease carries. */
async function holderBackend(database: string, board: string): Promise<number> {
  const r = await postgres.query<{ pid: number }>(
    `SELECT k.pid FROM rack_leases l JOIN pg_locks k ON k.locktype = 'advisory' AND k.objsubid = 1
       AND k.classid = ((l.lock_key >> 32) & 4294967295)::oid AND k.objid = (l.lock_key & 4294967295)::oid WHERE l.board = $1`,
    [board],
    database,
  );
  expect(r.rows).toHaveLength(1);
  return r.rows[0].pid;
}

test('PostgreSQL: a holder whose session the server ends loses its board at once, and hears it', async () => {
  const spec = await postgres.freshDatabase();
  const store = await openLeaseStore(spec, projectRoot);
  const worker = spawnHolder({ store: spec, boards: ['bbgw-1'], ttlMs: 30_000 });
  try {
    await worker.next('taken');
    const backend = await holderBackend(new URL(spec).pathname.slice(1), 'bbgw-1');
    expect((await postgres.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [backend])).rows[0].ok).toBe(true);
    const t0 = Date.now();
    // Free at once (the backend exits as the call returns), long before the 30 s TTL.
    await acquire({ store, boards: ['bbgw-1'], want: 'bbgw board', holder: thisHolder('next'), kind: 'session', ttlMs: 5000, timeoutMs: 3000, pollMs: 20 });
    const freeMs = Date.now() - t0;
    const lost = await worker.next('lost', 15_000);
    const heardMs = Date.now() - t0;
    test.info().annotations.push({ type: 'after the session ended', description: `board free after ${freeMs} ms; holder heard it lost it after ${heardMs} ms (renewal every 10000 ms)` });
    expect(lost.reason).toContain("the lease on bbgw-1 is lost: the store's session ended");
    expect(heardMs).toBeLessThan(5000);
  } finally {
    await worker.end();
    await store.close();
  }
});

test('PostgreSQL: a holder whose store stops answering gives its lease up before anyone else can take it', async () => {
  const ttlMs = 1500;
  const spec = await postgres.freshDatabase();
  const store = await openLeaseStore(spec, projectRoot);
  const worker = spawnHolder({ store: spec, boards: ['bbgw-1'], ttlMs });
  let frozen: number | undefined;
  try {
    await worker.next('taken');
    frozen = await holderBackend(new URL(spec).pathname.slice(1), 'bbgw-1');
    process.kill(frozen, 'SIGSTOP'); // its connection stays open; its renewals hang
    const t0 = Date.now();
    let lostAt = 0;
    const lost = worker.next('lost', 10_000).then((e) => ((lostAt = Date.now()), e));
    await acquire({ store, boards: ['bbgw-1'], want: 'bbgw board', holder: thisHolder('next'), kind: 'session', ttlMs: 5000, timeoutMs: 10_000, pollMs: 20 });
    const takenAt = Date.now();
    expect((await lost).reason).toContain(`could not be renewed within its TTL of ${ttlMs} ms: the store`);
    test.info().annotations.push({ type: 'store frozen', description: `holder gave the lease up after ${lostAt - t0} ms, the next holder took it after ${takenAt - t0} ms (TTL ${ttlMs} ms)` });
    expect(lostAt).toBeLessThan(takenAt);
  } finally {
    if (frozen) process.kill(frozen, 'SIGCONT');
    await worker.end();
    await store.close();
  }
});
