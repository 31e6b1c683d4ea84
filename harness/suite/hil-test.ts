import { test as base } from '@playwright/test';
import { annotateFailure } from './failure-record.ts';
import { noteTestStart } from './phase.ts';

// The base of every OTA test: starts the test's clock for the phases (so that a phase can make
// room for its budget in the test's timeout) and, when the test failed, puts the failure's class
// and phase into its annotations, where the nightly summary and JUnit readers find them. Set up
// before any other fixture, torn down after all of them (a failed board setup is annotated too).

export const test = base.extend<{ failureAnnotations: void }>({
  failureAnnotations: [
    async ({}, use, testInfo) => {
      noteTestStart(testInfo);
      await use();
      annotateFailure(testInfo);
    },
    { auto: true, box: true },
  ],
});
