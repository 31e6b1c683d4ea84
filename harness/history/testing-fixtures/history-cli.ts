import { Command, CommanderError } from 'commander';
import { registerHistoryCommands } from '../../cli/history-command.ts';
import { exitCodeOf, failureText } from '../../cli/failure.ts';

// `hil history|report trend|gate` as main.ts runs its commands (one failure line, the exit code
// from the error's type), for the history commands' tests until main.ts registers them.

const program = new Command('hil').exitOverride();
registerHistoryCommands(program);
for (const c of program.commands) {
  c.exitOverride();
  for (const s of c.commands) s.exitOverride();
}
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) process.stderr.write(`hil: ${failureText(e)}\n`);
  process.exitCode = exitCodeOf(e);
}
