import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** This process's environment without a Playwright worker's own settings (a nested runner must not take them). */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS'));
}

/** A script of bench/scale in a node process (with tsx), tied to this one by its IPC channel: it exits on 'disconnect'. */
export function forkTied(script: string, env: Record<string, string>): ChildProcess {
  return fork(path.join(here, script), [], { cwd: root, execArgv: ['--import', 'tsx'], env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
