import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { vboardUp, vboardDown, vboardStatus, vboardKeep } from '../cli/vboard-command.ts';
import { LAB_SERVICE_URL } from '../ota/partner-conf.ts';

// `hil vboard` with the twin options (--twin, --inventory), runnable before harness/cli/main.ts
// registers them: npx tsx harness/vboard/twin-cli.ts vboard up --twin sama5d2 --inventory FILE.
// The options here are the ones main.ts is to take over; then this entry goes.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const program = new Command('hil-twin');
const vboard = program.command('vboard');
vboard
  .command('up')
  .option('--name <name>', 'board instance name', 'default')
  .option('--twin <board>', 'a twin of a real board type (sama5d2, bbgw), reached as a rack board: ser2net, SSH, power commands')
  .option('--inventory <file>', 'add the twin to this lab inventory (created if absent); `down` removes it')
  .option('--json', 'print JSON')
  .option('--service <url>', "the lab OTA service the board's hubby talks to", LAB_SERVICE_URL)
  .option('--timeout <s>', 'how long to wait for SSH', '180')
  .action((o) => vboardUp(root, o));
vboard
  .command('down')
  .option('--name <name>', 'board instance name', 'default')
  .action((o) => vboardDown(root, o));
vboard
  .command('status')
  .option('--name <name>', 'board instance name', 'default')
  .option('--json', 'print JSON')
  .action((o) => {
    process.exitCode = vboardStatus(root, o);
  });
vboard
  .command('keep', { hidden: true })
  .option('--name <name>', 'board instance name', 'default')
  .option('--service <url>', 'lab OTA service', LAB_SERVICE_URL)
  .option('--twin <board>')
  .option('--inventory <file>')
  .action((o) => vboardKeep(root, o));
await program.parseAsync(process.argv);
