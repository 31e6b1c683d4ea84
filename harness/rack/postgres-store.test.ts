import { test } from '@playwright/test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../testing/postgres-server.ts';
import { leaseStoreContract } from './store-contract.ts';

// The PostgreSQL store (several hosts or CI runners), on a real PostgreSQL 15 started for this
// file; each test has a database of its own.

let server: PostgresServer;
let databases = 0;

test.beforeAll(async () => {
  server = await startPostgres();
});

test.afterAll(async () => {
  await server?.stop();
});

leaseStoreContract({
  name: 'PostgreSQL',
  async fresh() {
    const db = `rack_${++databases}`;
    const admin = new pg.Client(server.url());
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${db}`);
    } finally {
      await admin.end();
    }
    return server.url(db);
  },
});
