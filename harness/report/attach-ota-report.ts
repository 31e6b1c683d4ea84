import fs from 'node:fs';
import type { TestInfo } from '@playwright/test';
import type { Board } from '../board/board.ts';
import { eventToJson } from '../logs/parse.ts';
import { splitAttempts, buildTimeline, type Timeline } from '../logs/timeline.ts';
import { timelineSvg } from './timeline-svg.ts';

// What each OTA test leaves in the report: the console transcript, the OTA events as JSON, the
// timeline of each attempt as a picture, and a summary the nightly report is built from.

export const SUMMARY_ATTACHMENT = 'ota-summary';

export interface OtaTestSummary {
  board: string;
  eventCount: number;
  attempts: Pick<Timeline, 'verdict' | 'summary' | 'phases' | 'targetVersion'>[];
}

export async function attachOtaReport(testInfo: TestInfo, board: Board, transcript: string): Promise<void> {
  if (fs.existsSync(transcript)) await testInfo.attach('console transcript', { path: transcript, contentType: 'text/plain' });
  const events = board.events.events;
  await testInfo.attach('ota-events.json', { body: JSON.stringify(events.map(eventToJson), null, 2), contentType: 'application/json' });
  const attempts = splitAttempts(events).map((a) => buildTimeline(a));
  for (const [i, t] of attempts.entries()) {
    const title = `${board.profile.name}: OTA attempt ${i + 1}${t.targetVersion ? ` (versionNumber ${t.targetVersion})` : ''}`;
    await testInfo.attach(`ota-timeline-${i + 1}.svg`, { body: timelineSvg(t, title), contentType: 'image/svg+xml' });
  }
  const summary: OtaTestSummary = {
    board: board.profile.name,
    eventCount: events.length,
    attempts: attempts.map((t) => ({ verdict: t.verdict, summary: t.summary, phases: t.phases, targetVersion: t.targetVersion })),
  };
  await testInfo.attach(SUMMARY_ATTACHMENT, { body: JSON.stringify(summary), contentType: 'application/json' });
}
