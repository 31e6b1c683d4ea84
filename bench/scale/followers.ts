import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants } from '../../harness/process/process-tree.ts';
import { spawnTied } from '../../harness/process/tied-process.ts';
import { commandLine } from './proc-stats.ts';
import { scaleEnvVars, type ScaleEnv } from './protocol.ts';

// The two shapes of harness that follow the boards: a real nested Playwright run with one worker
// per board (the rack shape), or one process following them all. Either is tied to the bench.

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const playwrightCli = path.join(root, 'node_modules/@playwright/test/cli.js');

export interface Followers {
  readonly shape: string;
  /** The process that holds the followers (the Playwright runner), if it is not a follower itself. */
  mainPid(): number | undefined;
  /** The processes that follow boards. */
  followerPids(): number[];
  /** Why the followers are gone, once they are. */
  gone(): string | undefined;
  /** Lets the followers end by themselves for up to `graceMs`, then ends them. */
  stop(graceMs: number): Promise<void>;
}

/** This process's environment without a Playwright worker's own settings (the nested runner must not take them). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS'));
}

/** `npx playwright test` on bench/scale/board.spec.ts with a generated config: `workers` = boards, one test each. */
export function startWorkerPerBoard(env: ScaleEnv): Followers {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-scale-'));
  const config = path.join(dir, 'scale.config.mjs');
  fs.writeFileSync(
    config,
    `export default ${JSON.stringify({
      testDir: here,
      testMatch: 'board.spec.ts',
      outputDir: path.join(dir, 'results'),
      fullyParallel: true,
      workers: env.boards,
      retries: 0,
      reporter: [['dot']],
    })};\n`,
  );
  const runner = spawnTied(process.execPath, [playwrightCli, 'test', '-c', config], { cwd: root, env: { ...cleanEnv(), ...scaleEnvVars(env) } });
  let exited: string | undefined;
  void runner.exited.then((code) => (exited = `the nested Playwright run exited (code ${code}): ${runner.output().slice(-2000)}`));
  const runnerPid = () => descendants(runner.child.pid!).find((p) => commandLine(p).includes(playwrightCli));
  return {
    shape: 'one Playwright worker per board',
    mainPid: runnerPid,
    followerPids() {
      const main = runnerPid();
      return main === undefined ? [] : descendants(main);
    },
    gone: () => exited,
    async stop(graceMs) {
      // The tests end by themselves once they have reported; a run that does not is ended.
      const timer = setTimeout(() => void runner.stop(), graceMs);
      await runner.exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A node process (with tsx) tied to this one through its IPC channel. */
export function forkTied(script: string, env: Record<string, string>): ChildProcess {
  return fork(path.join(here, script), [], { cwd: root, execArgv: ['--import', 'tsx'], env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** One process follows every board. */
export function startOneProcess(env: ScaleEnv): Followers {
  const child = forkTied('many-boards.ts', scaleEnvVars(env));
  let exited: string | undefined;
  child.once('exit', (code) => (exited = `the one-process follower exited (code ${code})`));
  return {
    shape: 'one process for all boards',
    mainPid: () => undefined,
    followerPids: () => [child.pid!],
    gone: () => exited,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(timer);
    },
  };
}
