import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { harnessLogPrettifier } from '../logger.ts';

// `hil log FILE`: a saved harness log (the `harness log` attachment of a test, pino JSON lines)
// rendered as the live view shows it: board, phase, OTA event, time since the first line.
// `-` reads standard input. Lines that are not JSON are printed as they are.

/** Prints `file` (or stdin for `-`) rendered; returns the exit code (2: the file cannot be read). */
export async function logCommand(file: string, o: { color?: boolean } = {}): Promise<number> {
  let input: NodeJS.ReadableStream;
  if (file === '-') input = process.stdin;
  else {
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      process.stderr.write(`hil log: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    input = fs.createReadStream(file);
  }
  const render = harnessLogPrettifier({ colorize: o.color ?? !!process.stdout.isTTY });
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    if (!line) continue;
    // Keep up with a slow reader (a pager) instead of buffering the whole log.
    if (!process.stdout.write(render(line))) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return 0;
}

/** Adds `hil log FILE` to the `hil` program. */
export function registerLogCommand(program: Command): void {
  program
    .command('log')
    .description('print a saved harness log (harness.log, pino JSON lines) for people: board, phase, OTA event, time elapsed')
    .argument('<file>', 'harness.log of a test, or - for standard input')
    .option('--no-color', 'no colours, even on a terminal')
    .action(async (file: string, opts: { color: boolean }) => {
      process.exitCode = await logCommand(file, { color: opts.color === false ? false : undefined });
    });
}
