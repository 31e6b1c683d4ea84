import { test } from '@playwright/test';
import { leaseStoreContract } from './store-contract.ts';

// The SQLite store (one lab host), with real worker processes racing, killed and frozen.

leaseStoreContract({ name: 'SQLite', fresh: async () => test.info().outputPath('rack.sqlite') });
