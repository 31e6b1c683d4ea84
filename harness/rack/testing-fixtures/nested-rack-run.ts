import type { TestInfo } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { StoreSnapshot } from '../lease-store.ts';
import { profileSource, startLocalRackBoard, type LocalRackBoard } from '../local-rack-board.ts';
import { SqliteLeaseStore } from '../sqlite-store.ts';
import { projectRoot as root } from './holder-child.ts';

// A nested rack run: the project's board fixture in a Playwright run of its own (a child
// process), on a rack of real local boards (an OpenSSH server and a shell on a pty each), with a
// lab inventory listing them, a SQLite rack store and the project's reporters (JSON, JUnit,
// nightly summary), all in one folder inside the project. Its four tests each record which
// worker and board ran them; two variables make some of them fail on purpose:
//   HIL_TEST_KILL_SSHD (sshd pid files by board): test 1 kills its board's sshd and fails with a lab fault;
//   HIL_TEST_BRICK (the local boards' folders by board): the first test on such a board installs
//   an image that boots no slot, reboots into it and fails as the product's failure.

export const TYPE = 'rackboard';

const spec = (outDir: string) => `
import fs from 'node:fs';
import { test, expect } from ${JSON.stringify(path.join(root, 'harness/fixtures.ts'))};
import { phase } from ${JSON.stringify(path.join(root, 'harness/suite/phase.ts'))};
import { LabFault, ProductFailure } from ${JSON.stringify(path.join(root, 'harness/errors.ts'))};

const killable = JSON.parse(process.env.HIL_TEST_KILL_SSHD ?? '{}');
const brickable = JSON.parse(process.env.HIL_TEST_BRICK ?? '{}');

for (const n of [1, 2, 3, 4]) {
  test('test ' + n, async ({ board }, testInfo) => {
    // The board fixture attached (console, login, log follower, SSH, no update under way).
    const id = testInfo.annotations.find((a) => a.type === 'board-id')?.description;
    expect(await board.activeSlot()).toBe('A');
    fs.writeFileSync(${JSON.stringify(outDir)} + '/test-' + n + '.json', JSON.stringify({ pid: process.pid, board: id, deviceId: board.profile.deviceId, sshPort: board.profile.ssh.port }));
    if (n === 1 && killable[id]) {
      process.kill(Number(fs.readFileSync(killable[id], 'utf8')), 'SIGKILL');
      await phase('confirm', 1000, async () => {
        throw new LabFault(id + ': the board stopped answering');
      });
    }
    if (brickable[id] && !fs.existsSync(brickable[id] + '/bricked-once')) {
      fs.writeFileSync(brickable[id] + '/bricked-once', '');
      fs.writeFileSync(brickable[id] + '/unbootable', '');
      await phase('reboot', 1000, async () => {
        await board.powerCycle();
        throw new ProductFailure(id + ': the new image boots no slot');
      });
    }
    expect(id).toBeTruthy();
  });
}
`;

const config = (work: string) => `import { boardProjectWorkers } from ${JSON.stringify(path.join(root, 'harness/rack/rack-workers.ts'))};
export default {
  testDir: ${JSON.stringify(work)},
  testMatch: '**/rack.spec.ts',
  outputDir: ${JSON.stringify(path.join(work, 'results'))},
  fullyParallel: true,
  retries: 0,
  workers: 3,
  reporter: [
    ['json', { outputFile: ${JSON.stringify(path.join(work, 'report.json'))} }],
    ['junit', { outputFile: ${JSON.stringify(path.join(work, 'junit.xml'))} }],
    [${JSON.stringify(path.join(root, 'harness/report/nightly-summary-reporter.ts'))}, { outputDir: ${JSON.stringify(path.join(work, 'summary'))} }],
  ],
  projects: [{ name: ${JSON.stringify(TYPE)}, workers: boardProjectWorkers(${JSON.stringify(TYPE)}, ${JSON.stringify(root)}), use: { boardProfile: ${JSON.stringify(path.join(work, `${TYPE}.ts`))} } }],
};
`;

type Annotation = { type: string; description?: string };
export interface TestResult {
  status: string;
  startTime: string;
  annotations: Annotation[];
}
/** The nested run's JSON report, as far as the tests read it. */
export interface NestedReport {
  suites: { specs: { title: string; tests: { results: TestResult[] }[] }[] }[];
}
/** What a nested test recorded of where it ran. */
export interface TestRan {
  pid: number;
  board: string;
  deviceId: string;
  sshPort: number;
}

/** Each nested test's (only) result, in the spec's order. */
export const resultsOf = (report: NestedReport): TestResult[] => report.suites.flatMap((s) => s.specs).map((s) => s.tests[0].results[0]);
/** The same by test title ('test 1' ...). */
export const resultsByTitle = (report: NestedReport): Record<string, TestResult> => Object.fromEntries(report.suites.flatMap((s) => s.specs).map((s) => [s.title, s.tests[0].results[0]]));

export class NestedRackRun {
  private constructor(
    /** The run's folder, inside the project: the nested run loads the harness's TypeScript reporters and fixtures. */
    readonly work: string,
    /** The rack's boards; a test may add its own (they are stopped with the run). */
    readonly boards: LocalRackBoard[],
  ) {}

  /** A folder with two local boards (board-1 tagged bench-a, board-2 bench-b) in the inventory, and the nested project. */
  static async prepare(): Promise<NestedRackRun> {
    fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
    const work = fs.mkdtempSync(path.join(root, '.cache', 'rack-fixture-'));
    const run = new NestedRackRun(work, []);
    run.boards.push(await startLocalRackBoard('board-1', work), await startLocalRackBoard('board-2', work));
    fs.writeFileSync(path.join(work, `${TYPE}.ts`), profileSource(TYPE));
    run.writeInventory(run.boards.map((b, i) => b.entry(TYPE, i === 0 ? ['bench-a'] : ['bench-b'])));
    fs.writeFileSync(path.join(work, 'nested.config.ts'), config(work));
    // The board fixture's lab: a partner configuration it never needs to reach (the tests publish nothing).
    fs.writeFileSync(path.join(work, 'partner-ota-conf.json'), JSON.stringify({ name: 'rack', version: '1.0', username: 'lab', userpw: 'unused', 'auth-string': 'dW51c2VkOnVudXNlZA==', deviceTypeId: 'rack', partnerId: 'rack', imageFiles: { A: 'hub_update.bin' } }));
    fs.mkdirSync(path.join(work, 'out'));
    fs.writeFileSync(path.join(work, 'rack.spec.ts'), spec(path.join(work, 'out')));
    return run;
  }

  /** A file of the run's folder (output.txt, junit.xml, summary/nightly-summary.json, rack.sqlite...). */
  file(...name: string[]): string {
    return path.join(this.work, ...name);
  }

  /** The lab inventory's boards, replacing those it had. */
  writeInventory(boards: object[]): void {
    fs.writeFileSync(this.file('inventory.json'), JSON.stringify({ boards }, null, 2));
  }

  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      // The nested runner must not take this worker's own Playwright settings for its own.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS')),
      CI: '',
      HIL_INVENTORY: this.file('inventory.json'),
      HIL_LEASE_STORE: this.file('rack.sqlite'),
      HIL_LEASE_WAIT: '60',
      HIL_BOARD_TAGS: '',
      HIL_LOG: '',
      HIL_OTA_CONF: this.file('partner-ota-conf.json'),
      ...extra,
    };
  }

  /** Runs the nested project; its outcome is read from its reports, its output kept in output.txt. */
  async run(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; report: NestedReport }> {
    const out = fs.openSync(this.file('output.txt'), 'w');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', this.file('nested.config.ts')], { cwd: root, env: this.env(extraEnv), stdio: ['ignore', out, out] });
      child.on('exit', (c) => resolve(c));
    });
    fs.closeSync(out);
    return { code, report: JSON.parse(fs.readFileSync(this.file('report.json'), 'utf8')) as NestedReport };
  }

  /** The nested run's output (stdout and stderr). */
  output(): string {
    return fs.readFileSync(this.file('output.txt'), 'utf8');
  }

  /** What the nested tests that ran recorded, by test number. */
  ran(): TestRan[] {
    return [1, 2, 3, 4]
      .map((n) => this.file('out', `test-${n}.json`))
      .filter((f) => fs.existsSync(f))
      .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as TestRan);
  }

  /** `hil ...` with the run's inventory and store; a failure is its status and output, not a throw. */
  hil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    try {
      return { status: 0, stdout: execFileSync('node', [path.join(root, 'bin/hil.js'), ...args], { cwd: root, env: this.env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
    } catch (e) {
      const x = e as { status: number | null; stdout: string; stderr: string };
      return { status: x.status, stdout: x.stdout, stderr: x.stderr };
    }
  }

  /** The rack store's leases and out-of-service boards as the run left them. */
  async rackSnapshot(): Promise<StoreSnapshot> {
    const store = new SqliteLeaseStore(this.file('rack.sqlite'));
    try {
      return await store.snapshot();
    } finally {
      await store.close();
    }
  }

  /** Attaches the nested run's output and reports to the test, stops the boards and removes the folder. */
  async finish(testInfo: TestInfo): Promise<void> {
    for (const f of ['output.txt', 'report.json', 'junit.xml']) {
      if (fs.existsSync(this.file(f))) await testInfo.attach(f, { path: this.file(f) });
    }
    for (const b of this.boards) await b.stop();
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
