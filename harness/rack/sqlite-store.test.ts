import { test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leaseStoreContract } from './store-contract.ts';

// The SQLite store (one lab host), with real worker processes racing, killed and frozen. The file
// lives in a folder of its own, not in Playwright's output folder, which a concurrent run empties.

const dirs: string[] = [];

test.afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

leaseStoreContract({
  name: 'SQLite',
  async fresh() {
    dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'hil-rack-')));
    return path.join(dirs.at(-1)!, 'rack.sqlite');
  },
});
