import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A real Playwright run of two board projects (sama5d2 on board sama5d2-3, bbgw on bbgw-1) with
// the project's reporters (JUnit, nightly summary, the history reporter, html), for the history's
// tests. Its tests fail the way the board fixture makes them fail: a LabFault or ProductFailure
// noted in its phase, the class and phase put into annotations by harness/suite/hil-test.ts.
//   tonight:  sama5d2 "full update" a lab fault in boot, sama5d2 "tampered" a product failure in
//             verify, bbgw "two updates" a product failure in install; the rest pass or skip
//   lab-only: only the lab fault
//   all-pass: nothing fails

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type NestedMode = 'tonight' | 'lab-only' | 'all-pass';

const spec = (root: string) => `
import { test } from '${root}/harness/suite/hil-test.ts';
import { noteFailure } from '${root}/harness/suite/failure-record.ts';
import { LabFault, ProductFailure } from '${root}/harness/errors.ts';

const mode = process.env.NESTED_MODE;
const boards: Record<string, string> = { sama5d2: 'sama5d2-3', bbgw: 'bbgw-1' };
const phases = [['download', 18000], ['verify', 24000], ['handoff', 400], ['install', 75000], ['reboot', 57000]] as const;

test.beforeEach(({}, testInfo) => {
  testInfo.annotations.push({ type: 'board-id', description: boards[testInfo.project.name] });
});

async function run(testInfo, failure?: () => Error) {
  const done = phases.map(([name, durationMs]) => ({ name, status: 'done', durationMs }));
  await testInfo.attach('ota-summary', { body: JSON.stringify({ board: testInfo.project.name, eventCount: 9, attempts: [{ verdict: failure ? 'failed' : 'updated', summary: '', phases: done, targetVersion: '771' }] }), contentType: 'application/json' });
  if (!failure) return;
  const e = failure();
  noteFailure(testInfo, e);
  throw e;
}

test('full update', async ({}, testInfo) => {
  await run(testInfo, testInfo.project.name === 'sama5d2' && mode !== 'all-pass' ? () => new LabFault('sama5d2-3 did not answer on SSH', { phase: 'boot' }) : undefined);
});
test('tampered', async ({}, testInfo) => {
  await run(testInfo, testInfo.project.name === 'sama5d2' && mode === 'tonight' ? () => new ProductFailure('the flipped signature byte was accepted', { phase: 'verify' }) : undefined);
});
test('not newer', async ({}, testInfo) => {
  await run(testInfo);
});
test('power cut', async ({}, testInfo) => {
  test.skip(testInfo.project.name === 'sama5d2', 'sama5d2 has no power-cut capability');
  await run(testInfo);
});
test('two updates', async ({}, testInfo) => {
  await run(testInfo, testInfo.project.name === 'bbgw' && mode === 'tonight' ? () => new ProductFailure('sysupgrade exited 1 writing the second image', { phase: 'install' }) : undefined);
});
`;

const config = (root: string, html: boolean) => `export default {
  testDir: '.',
  outputDir: 'out',
  workers: 1,
  reporter: [
    ['junit', { outputFile: 'reports/junit.xml', includeProjectInTestName: true }],
    ['${root}/harness/report/nightly-summary-reporter.ts', { outputDir: 'reports' }],
    ['${root}/harness/history/history-reporter.ts'],
    ${html ? "['html', { outputFolder: 'reports/html', open: 'never' }]," : ''}
  ],
  projects: [{ name: 'sama5d2' }, { name: 'bbgw' }],
};
`;

export interface NestedRun {
  dir: string;
  reports: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the nested suite in `dir` (made a git repository, so the run has a revision) with `env`. */
export function nestedRun(dir: string, o: { mode: NestedMode; env: NodeJS.ProcessEnv; html?: boolean }): Promise<NestedRun> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'nights.spec.ts'), spec(projectRoot));
  fs.writeFileSync(path.join(dir, 'playwright.config.ts'), config(projectRoot, o.html ?? false));
  // ES modules, as in the project: the spec imports the harness's own .ts modules.
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  if (!fs.existsSync(path.join(dir, '.git'))) {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['-c', 'user.name=hil', '-c', 'user.email=hil@localhost', 'commit', '-q', '--allow-empty', '-m', 'nested run'], { cwd: dir });
  }
  return new Promise((resolve) => {
    execFile(
      path.join(projectRoot, 'node_modules/.bin/playwright'),
      ['test', '-c', path.join(dir, 'playwright.config.ts')],
      { cwd: dir, env: { ...o.env, NESTED_MODE: o.mode, CI: '', FORCE_COLOR: '0' }, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        resolve({ dir, reports: path.join(dir, 'reports'), status, stdout, stderr });
      },
    );
  });
}

/** The git revision the nested run's folder is at. */
export const revisionOf = (dir: string): string => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
