import { defineConfig } from '@playwright/test';
import type { BoardOptions } from './harness/board/board-options.ts';

// Projects: `unit` tests the harness itself (no board); each board project runs the OTA suites
// on one board type, named by its profile. Reports land in reports/ (gitignored).
//
// One physical board takes one worker: a board project runs with `workers: 1` (and the board
// fixture locks the board, harness/suite/board-lock.ts, so a second run on the host fails clearly).
// The virtual project starts a QEMU board per test, unless it attaches to a kept one (HIL_VBOARD).
//
// A board test's time follows from its profile's budgets (harness/fixtures.ts testTimeoutFor, and
// each phase makes room for its own): the project timeouts below bound the other tests only.

// The live harness log (harness/logger.ts): a worker's stdout is a pipe to the runner, so the
// runner, when it runs on a terminal, tells its workers to show the log.
if (process.stdout.isTTY && process.env.HIL_LOG === undefined) process.env.HIL_LOG = 'pretty';

export default defineConfig<BoardOptions>({
  outputDir: 'reports/test-results',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: [
    ['list'],
    ['html', { outputFolder: 'reports/html', open: 'never' }],
    ['junit', { outputFile: 'reports/junit.xml', includeProjectInTestName: true }],
    ['./harness/report/nightly-summary-reporter.ts'],
    ['./harness/history/history-reporter.ts'],
    ['./harness/report/summary-line-reporter.ts'],
  ],
  projects: [
    { name: 'unit', testDir: 'harness', testMatch: /.*\.test\.ts$/, timeout: 60_000 },
    // The virtual board's own tests (boards/virtual/) run with its suites.
    { name: 'virtual', testDir: '.', testMatch: [/suites\/.*\.spec\.ts$/, /boards\/virtual\/.*\.test\.ts$/, /harness\/report\/.*\.browser\.ts$/], timeout: 15 * 60_000, workers: process.env.HIL_VBOARD ? 1 : undefined, use: { boardProfile: 'boards/virtual.ts' } },
    { name: 'sama5d2', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, workers: 1, use: { boardProfile: 'boards/sama5d2.ts' } },
    { name: 'bbgw', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, workers: 1, use: { boardProfile: 'boards/bbgw.ts' } },
  ],
});
