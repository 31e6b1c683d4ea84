import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants } from '../../harness/process/process-tree.ts';
import { spawnTied } from '../../harness/process/tied-process.ts';
import { cleanEnv } from './fork-tied.ts';
import { commandLine } from './proc-stats.ts';
import { scaleEnvVars, type ScaleEnv } from './protocol.ts';

// The harness that follows the boards: a real nested Playwright run on bench/scale/board.spec.ts,
// `boardsPerWorker` boards to a worker, tied to the bench.

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const playwrightCli = path.join(root, 'node_modules/@playwright/test/cli.js');

export interface Followers {
  readonly shape: string;
  /** The process that holds the followers (the Playwright runner). */
  mainPid(): number | undefined;
  /** The processes that follow boards. */
  followerPids(): number[];
  /** Why the followers are gone, once they are. */
  gone(): string | undefined;
  /** Lets the followers end by themselves for up to `graceMs`, then ends them. */
  stop(graceMs: number): Promise<void>;
}

/** `playwright test` with a generated config: a test and a worker for every `boardsPerWorker` boards. */
export function startPlaywrightRun(env: ScaleEnv): Followers {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-scale-'));
  const config = path.join(dir, 'scale.config.mjs');
  fs.writeFileSync(
    config,
    `export default ${JSON.stringify({
      testDir: here,
      testMatch: 'board.spec.ts',
      outputDir: path.join(dir, 'results'),
      fullyParallel: true,
      workers: Math.ceil(env.boards / env.boardsPerWorker),
      retries: 0,
      reporter: [['dot']],
    })};\n`,
  );
  const runner = spawnTied(process.execPath, [playwrightCli, 'test', '-c', config], { cwd: root, env: { ...cleanEnv(), ...scaleEnvVars(env) } });
  let exited: string | undefined;
  void runner.exited.then((code) => (exited = `the nested Playwright run exited (code ${code}): ${runner.output().slice(-2000)}`));
  const runnerPid = () => descendants(runner.child.pid!).find((p) => commandLine(p).includes(playwrightCli));
  return {
    shape: env.boardsPerWorker === 1 ? 'one Playwright worker per board' : `one Playwright worker per ${env.boardsPerWorker} boards`,
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
