import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The twins' own checks (twins.test.ts), run by scripts/run-twins.sh on the twin it has up, before
// the board's project: in no project of the main configuration, since they need a twin that is up
// and CI starts none. One worker: one twin, one console.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  testDir: '.',
  testMatch: /twins\.test\.ts$/,
  workers: 1,
  timeout: 5 * 60_000,
  outputDir: path.join(root, 'reports', 'twins', 'checks'),
  reporter: [
    ['list'],
    ['junit', { outputFile: process.env.HIL_TWINS_JUNIT ?? path.join(root, 'reports', 'twins', 'checks-junit.xml') }],
    [path.join(root, 'harness', 'report', 'summary-line-reporter.ts')],
  ],
});
