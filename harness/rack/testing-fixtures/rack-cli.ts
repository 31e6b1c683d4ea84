import { Command, CommanderError } from 'commander';
import { registerRackCommand } from '../../cli/rack-command.ts';
import { exitCodeOf, failureText } from '../../cli/failure.ts';

// `hil rack ...` as main.ts runs its commands (one failure line, the exit code from the error's
// type), for the rack command's tests until main.ts registers it.

const program = new Command('hil').exitOverride();
registerRackCommand(program);
for (const c of program.commands.flatMap((c) => c.commands)) c.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) process.stderr.write(`hil rack: ${failureText(e)}\n`);
  process.exitCode = exitCodeOf(e);
}
