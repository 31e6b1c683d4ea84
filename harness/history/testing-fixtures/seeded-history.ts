import type { RunRecord, TestRecord } from '../run-record.ts';
import { mulberry32 } from '../../suite/seeded-random.ts';

// A made-up history of nightly runs for tests and the bench, the same for the same options: a
// rack of boards running the OTA scenarios night after night, with three stories in it that the
// trend page and the gate must tell apart:
//   - a regression: from night `regressionFrom` (image 1.5.0) one scenario fails on every board
//     of one type, in the install phase;
//   - a flaky scenario: fails now and then on one board type, on every image, in verify;
//   - a sick board: lab faults (board did not answer) on most of its tests of the last 10 nights;
// and image 1.4.0 (from night `slowerFrom`) makes the install phase 25 % slower on every type.

export interface SeedOptions {
  nights: number;
  /** The date of the last night; nights are a day apart. */
  lastNight: Date;
  boards?: { id: string; type: string }[];
  scenarios?: string[];
  /** Night index (0 = oldest) from which the regression fails; none when absent. */
  regressionFrom?: number;
  /** Night index from which image 1.4.0 (slower installs) runs. */
  slowerFrom?: number;
  /** A test's report link, given its night and its place in the night's run. */
  reportLink?: (night: number, test: number) => string;
  /** Lab faults per test on healthy boards (default 0.003). */
  backgroundLabFaults?: number;
  seed?: number;
}

export const SEEDED_BOARDS = [
  { id: 'sama5d2-1', type: 'sama5d2' },
  { id: 'sama5d2-2', type: 'sama5d2' },
  { id: 'sama5d2-3', type: 'sama5d2' },
  { id: 'bbgw-1', type: 'bbgw' },
  { id: 'bbgw-2', type: 'bbgw' },
];
export const SEEDED_SCENARIOS = ['full update', 'tampered', 'not newer', 'power cut', 'two updates'];
export const STORY = {
  regression: { boardType: 'bbgw', scenario: 'two updates', phase: 'install' },
  flaky: { boardType: 'sama5d2', scenario: 'tampered', phase: 'verify' },
  sickBoard: 'sama5d2-3',
  /** sama5d2 cannot cut its power: skipped there. */
  skipped: { boardType: 'sama5d2', scenario: 'power cut' },
};

const PHASES: [string, number][] = [
  ['download', 18_000],
  ['verify', 24_000],
  ['handoff', 400],
  ['install', 60_000],
  ['reboot', 57_000],
];

const DAY = 24 * 3600 * 1000;

export function seededHistory(o: SeedOptions): RunRecord[] {
  // Seeded, so a seeded history is the same every time.
  const rnd = mulberry32(o.seed ?? 13);
  const boards = o.boards ?? SEEDED_BOARDS;
  const scenarios = o.scenarios ?? SEEDED_SCENARIOS;
  const slowerFrom = o.slowerFrom ?? Math.floor(o.nights / 2);
  const background = o.backgroundLabFaults ?? 0.003;
  const first = o.lastNight.getTime() - (o.nights - 1) * DAY;
  const runs: RunRecord[] = [];
  for (let night = 0; night < o.nights; night++) {
    const image = o.regressionFrom !== undefined && night >= o.regressionFrom ? '1.5.0' : night >= slowerFrom ? '1.4.0' : '1.3.0';
    const sickTonight = night >= o.nights - 10;
    const tests: TestRecord[] = [];
    for (const board of boards) {
      for (const scenario of scenarios) {
        const t: TestRecord = { boardId: board.id, boardType: board.type, scenario, status: 'passed', phases: {}, durationMs: 0, imageVersion: image };
        t.reportLink = o.reportLink?.(night, tests.length);
        tests.push(t);
        if (board.type === STORY.skipped.boardType && scenario === STORY.skipped.scenario) {
          t.status = 'skipped';
          continue;
        }
        let failAt: string | undefined;
        if (rnd() < (board.id === STORY.sickBoard && sickTonight ? 0.6 : background)) {
          Object.assign(t, { status: 'failed', failureClass: 'lab-fault', failedPhase: 'boot', failure: `${board.id} did not answer on SSH` });
          continue;
        }
        if (board.type === STORY.regression.boardType && scenario === STORY.regression.scenario && image === '1.5.0') failAt = STORY.regression.phase;
        if (board.type === STORY.flaky.boardType && scenario === STORY.flaky.scenario && rnd() < 0.2) failAt = STORY.flaky.phase;
        for (const [phase, ms] of PHASES) {
          if (phase === failAt) break;
          const slower = phase === 'install' && image !== '1.3.0' ? 1.25 : 1;
          t.phases[phase] = Math.round(ms * slower * (0.95 + rnd() * 0.1));
        }
        t.durationMs = Object.values(t.phases).reduce((a, b) => a + b, 0) + 20_000;
        if (failAt) Object.assign(t, { status: 'failed', failureClass: 'product-failure', failedPhase: failAt, failure: `[${failAt}] ${scenario} failed on ${board.id}` });
      }
    }
    runs.push({ runId: `night-${String(night).padStart(4, '0')}`, startedAt: new Date(first + night * DAY), gitRevision: `rev${night}`, imageVersion: image, tests });
  }
  return runs;
}
