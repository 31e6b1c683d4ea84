import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoardOptions } from './harness/board/board-options.ts';
import { boardProjectWorkers } from './harness/rack/rack-workers.ts';

// Projects: `unit` tests the harness itself (no board); each board project runs the OTA suites
// on one board type, named by its profile. Reports land in reports/ (gitignored), or in the folder
// HIL_REPORTS names (scripts/run-twins.sh gives each twin's run its own, so the runs before keep theirs).
//
// One physical board takes one worker, and a board project runs as many workers as the lab
// inventory has boards of its type (and HIL_BOARD_TAGS): each worker leases one for its life
// (harness/rack/, docs/rack.md), so no two workers, runs or hosts drive the same board.
// The virtual project starts a QEMU board per test, unless it attaches to a kept one (HIL_VBOARD:
// a one-board rack, one worker).
//
// Across hosts: `--shard=i/n` on each runner with HIL_BLOB=1 (a blob report per shard in
// reports/blob, or PLAYWRIGHT_BLOB_OUTPUT_DIR), then `npx playwright merge-reports` (docs/rack.md).
//
// A board test's time follows from its profile's budgets (harness/fixtures.ts testTimeoutFor, and
// each phase makes room for its own): the project timeouts below bound the other tests only.

// The live harness log (harness/logger.ts): a worker's stdout is a pipe to the runner, so the
// runner, when it runs on a terminal, tells its workers to show the log.
if (process.stdout.isTTY && process.env.HIL_LOG === undefined) process.env.HIL_LOG = 'pretty';

const root = path.dirname(fileURLToPath(import.meta.url));
// The runner's worker count bounds every project's: it must leave room for each board's worker.
const defaultWorkers = process.env.CI ? 2 : '50%';
const rackWorkers = { sama5d2: boardProjectWorkers('sama5d2', root), bbgw: boardProjectWorkers('bbgw', root) };
const reports = process.env.HIL_REPORTS || 'reports';
const shardReport = process.env.HIL_BLOB === '1' ? [['blob', { outputDir: process.env.PLAYWRIGHT_BLOB_OUTPUT_DIR ?? `${reports}/blob` }] as const] : [];

export default defineConfig<BoardOptions>({
  outputDir: `${reports}/test-results`,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: Math.max(rackWorkers.sama5d2, rackWorkers.bbgw) > 1 ? Math.max(process.env.CI ? 2 : 1, rackWorkers.sama5d2, rackWorkers.bbgw) : process.env.CI ? 2 : undefined,
  reporter: [
    ['list'],
    ['html', { outputFolder: `${reports}/html`, open: 'never' }],
    ['junit', { outputFile: `${reports}/junit.xml`, includeProjectInTestName: true }],
    ['./harness/report/nightly-summary-reporter.ts', { outputDir: reports }],
    ['./harness/history/history-reporter.ts'],
    ['./harness/report/summary-line-reporter.ts'],
    ...shardReport,
  ],
  projects: [
    { name: 'unit', testDir: 'harness', testMatch: /.*\.test\.ts$/, timeout: 60_000 },
    // The virtual board's own tests (boards/virtual/) run with its suites.
    { name: 'virtual', testDir: '.', testMatch: [/suites\/.*\.spec\.ts$/, /boards\/virtual\/.*\.test\.ts$/, /harness\/report\/.*\.browser\.ts$/], timeout: 15 * 60_000, workers: process.env.HIL_VBOARD ? 1 : defaultWorkers, use: { boardProfile: 'boards/virtual.ts' } },
    { name: 'sama5d2', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, workers: rackWorkers.sama5d2, use: { boardProfile: 'boards/sama5d2.ts' } },
    { name: 'bbgw', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, workers: rackWorkers.bbgw, use: { boardProfile: 'boards/bbgw.ts' } },
  ],
});
