import { Command } from 'commander';
import { parseLogCommand } from './parse-log-command.ts';
import { checkProfilesCommand } from './profile-command.ts';

// The `hil` command. Exit codes: 0 success, 1 a check failed, 2 bad input (file, option, profile).

const program = new Command('hil').description('ota-hil: hardware-in-the-loop tests of full-image OTA updates').exitOverride();

program
  .command('parse-log')
  .description('print the OTA events and timeline of a captured log (syslog, console transcript)')
  .argument('<file>', 'log file')
  .option('--json', 'print {events, phases, verdict, ...} as JSON')
  .option('--year <year>', 'year of the syslog timestamps (they carry none)')
  .action((file: string, opts: { json?: boolean; year?: string }) => {
    process.exitCode = parseLogCommand(file, opts);
  });

program
  .command('profile')
  .description('board profiles')
  .command('check')
  .description('load and validate board profiles (with the lab inventory applied); print what is wrong')
  .argument('<files...>', 'profile files (boards/sama5d2.ts)')
  .action(async (files: string[]) => {
    process.exitCode = await checkProfilesCommand(files);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { exitCode?: number }).exitCode;
  process.exitCode = code === 0 ? 0 : 2;
}
