import { defineConfig } from '@playwright/test';
import type { BoardOptions } from './harness/board/board-options.ts';

// Projects: `unit` tests the harness itself (no board); each board project runs the OTA suites
// on one board type, named by its profile. Reports land in reports/ (gitignored).
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
    ['./harness/report/summary-line-reporter.ts'],
  ],
  projects: [
    { name: 'unit', testDir: 'harness', testMatch: /.*\.test\.ts$/, timeout: 60_000 },
    // The virtual board's own tests (boards/virtual/) run with its suites.
    { name: 'virtual', testDir: '.', testMatch: [/suites\/.*\.spec\.ts$/, /boards\/virtual\/.*\.test\.ts$/, /harness\/report\/.*\.browser\.ts$/], timeout: 15 * 60_000, use: { boardProfile: 'boards/virtual.ts' } },
    { name: 'sama5d2', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, use: { boardProfile: 'boards/sama5d2.ts' } },
    { name: 'bbgw', testDir: 'suites', testMatch: /.*\.spec\.ts$/, timeout: 30 * 60_000, use: { boardProfile: 'boards/bbgw.ts' } },
  ],
});
