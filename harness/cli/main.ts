import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, type Option } from 'commander';
import { buildVboard } from '../vboard/build.ts';
import { parseLogCommand } from './parse-log-command.ts';
import { checkProfilesCommand } from './profile-command.ts';
import { deployCommand, listCommand, recordCommand, uploadCommand } from './ota-commands.ts';
import { serviceStartCommand } from './service-command.ts';
import { vboardUp, vboardDown, vboardStatus, vboardKeep, vboardReimage } from './vboard-command.ts';
import { registerLogCommand } from './log-command.ts';
import { registerRackCommand } from './rack-command.ts';
import { registerHistoryCommands } from './history-command.ts';
import { LAB_SERVICE_URL } from '../ota/partner-conf.ts';
import { redact } from '../secrets.ts';
import { exitCodeOf, failureText } from './failure.ts';
import { boardNameOption, httpUrlOption, portOption, readableFileOption, secondsOption, yearOption } from './option-parsers.ts';
import { checkVboardStateFile } from './check-vboard-state.ts';

/** The project folder: the nearest one above this module with the project's package.json (works from the bundle too). */
function projectRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'ota-hil') return dir;
  }
  throw new Error('cannot find the ota-hil project folder');
}

// The `hil` command. Exit codes (failure.ts): 0 success, 1 a check failed or the service refused,
// 2 bad input (file, option, profile, configuration), 3 a lab fault (the OTA service could not be
// reached, did not answer in time, or failed).

const DEBUG_HELP = 'on a failure, print its stack too';

// Options are positional: `hil --debug ota record` is the stack, `hil ota record --debug` the
// debug build of Afero's tool. Every other command takes --debug after it as well (added below).
const program = new Command('hil')
  .description('ota-hil: hardware-in-the-loop tests of full-image OTA updates')
  .option('--debug', DEBUG_HELP)
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(redact(str)) });

program
  .command('parse-log')
  .description('print the OTA events and timeline of a captured log (syslog, console transcript)')
  .argument('<file>', 'log file')
  .option('--json', 'print {events, phases, verdict, ...} as JSON')
  .option('--year <year>', 'year of the syslog timestamps (they carry none)', yearOption)
  .action((file: string, opts: { json?: boolean; year?: string }) => {
    process.exitCode = parseLogCommand(file, opts);
  });

program
  .command('profile')
  .description('board profiles')
  .command('check')
  .description('load and validate board profiles (with the lab inventory applied); with a rack inventory, as applied to every board of it; print what is wrong')
  .argument('[files...]', "profile files (boards/sama5d2.ts); with a rack inventory, default: each board type's")
  .option('--timeout <s>', 'seconds a profile module may take to load', secondsOption, '10')
  .option('--inventory <file>', 'the lab inventory (default: HIL_INVENTORY, or lab-inventory.json)', readableFileOption)
  .action(async (files: string[], o: { timeout: string; inventory?: string }) => {
    process.exitCode = await checkProfilesCommand(files, o);
  });

const ota = program.command('ota').description(`OTA records, uploads and pushes (Afero's partner tools; the lab service at ${LAB_SERVICE_URL} unless the configuration's baseUrl says otherwise)`);
const confOption = ['-c, --conf <file>', 'partner-ota-conf.json to use', 'partner-ota-conf.json'] as const;
const timeoutOption = ['--timeout <s>', 'seconds to wait for each answer of the OTA service (an upload: for any progress)', secondsOption, '30'] as const;

ota
  .command('record')
  .description('create the OTA record (fails if it exists) and write full_ota_record.json')
  .requiredOption('-n, --buildNum <n>', 'build number, appended to the configured version')
  .option(...confOption)
  .option(...timeoutOption)
  .option('-d, --debug', 'debug build: "d" after the version')
  .option('-s, --skipTmpdir', "write the record in the current directory, not bitbake's TMPDIR")
  .action(async (o: { buildNum: string; conf: string; timeout: string; debug?: boolean; skipTmpdir?: boolean }) => {
    await recordCommand(o);
  });

ota
  .command('upload')
  .description('upload the image named by imageFiles.A for the record, store it, and associate it with the device type')
  .requiredOption('-n, --buildNum <n>', 'build number given to `hil ota record`')
  .option(...confOption)
  .option(...timeoutOption)
  .option('-d, --debug', 'debug build (as given to `hil ota record`)')
  .option('-s, --skipTmpdir', 'the record is in the current directory')
  .action(async (o: { buildNum: string; conf: string; timeout: string; debug?: boolean; skipTmpdir?: boolean }) => {
    await uploadCommand(o);
  });

ota
  .command('list')
  .description('list the uploaded full OTA images of the device type')
  .option(...confOption)
  .option(...timeoutOption)
  .action(async (o: { conf: string; timeout: string }) => {
    await listCommand(o);
  });

ota
  .command('deploy')
  .description('push an uploaded image to one or more devices')
  .requiredOption('-i, --imageId <id>', 'image id (see `hil ota list`)')
  .requiredOption('-d, --device <ids>', 'deviceId, or several separated by commas')
  .option(...confOption)
  .option(...timeoutOption)
  .action(async (o: { conf: string; timeout: string; imageId: string; device: string }) => {
    process.exitCode = await deployCommand(o);
  });

program
  .command('service')
  .description('the lab OTA service')
  .command('start')
  .description('run the lab OTA service (Afero REST API + device side) until interrupted')
  .option('--port <port>', 'TCP port (0: any free port)', portOption, '8480')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--data <dir>', 'data folder (records, images, accounts, partner-ota-conf.json)', '.cache/ota-service')
  .option('--signing-key <pem>', 'sign headers with this P-256 key (a virtual board trusts its build\'s keys/ota-signing.pem)', readableFileOption)
  .action(serviceStartCommand);

const vboard = program.command('vboard').description('the virtual board (QEMU)');
vboard
  .command('up')
  .description('start a virtual board and return once it answers on SSH; prints where to reach it')
  .option('--name <name>', 'board instance name (several can run side by side)', boardNameOption, 'default')
  .option('--twin <board>', 'a twin of a real board type (sama5d2, bbgw), reached as a rack board: ser2net, SSH, power commands')
  .option('--inventory <file>', 'add the twin to this lab inventory (created if absent); `down` removes it')
  .option('--json', 'print {"serial": ..., "ssh": {"host", "port", "user", "key"}}')
  .option('--service <url>', 'the lab OTA service the board\'s hubby talks to (a twin starts its own unless this names another)', httpUrlOption, LAB_SERVICE_URL)
  .option('--timeout <s>', 'how long to wait for SSH', secondsOption, '120')
  .action((o) => {
    checkVboardStateFile(projectRoot(), o.name);
    return vboardUp(projectRoot(), o);
  });
vboard
  .command('down')
  .description('power the virtual board off and remove its overlay')
  .option('--name <name>', 'board instance name', boardNameOption, 'default')
  .action((o) => {
    checkVboardStateFile(projectRoot(), o.name);
    return vboardDown(projectRoot(), o);
  });
vboard
  .command('status')
  .description('is the virtual board up, and where (exit 0 up, 1 not running)')
  .option('--name <name>', 'board instance name', boardNameOption, 'default')
  .option('--json', 'print JSON')
  .action((o) => {
    checkVboardStateFile(projectRoot(), o.name);
    process.exitCode = vboardStatus(projectRoot(), o);
  });
vboard
  .command('reimage')
  .description("put a powered-off board's disk back to the pristine built image (a twin's recovery command)")
  .option('--name <name>', 'board instance name', boardNameOption, 'default')
  .action((o) => {
    checkVboardStateFile(projectRoot(), o.name);
    return vboardReimage(projectRoot(), o);
  });
vboard
  .command('keep', { hidden: true })
  .option('--name <name>', 'board instance name', boardNameOption, 'default')
  .option('--service <url>', 'lab OTA service', httpUrlOption, LAB_SERVICE_URL)
  .option('--twin <board>')
  .option('--inventory <file>')
  .action((o) => vboardKeep(projectRoot(), o));
vboard
  .command('build')
  .description('build the virtual board image from Debian packages (a no-op when nothing changed)')
  .action(() => {
    const root = projectRoot();
    const t0 = Date.now();
    const img = buildVboard(root, { log: (s) => process.stderr.write(`${s}\n`) });
    process.stdout.write(`${img.cached ? 'up to date' : 'built'}: ${img.disk} (kernel ${img.kernelVersion}) in ${((Date.now() - t0) / 1000).toFixed(2)} s\n`);
  });

registerLogCommand(program);
registerRackCommand(program, projectRoot);
registerHistoryCommands(program, projectRoot);

/** Every command but those with a --debug of their own takes --debug (the stack) after it too. */
function addDebugOption(cmd: Command): void {
  if (cmd.commands.length) return cmd.commands.forEach(addDebugOption);
  if (!cmd.options.some((o: Option) => o.long === '--debug')) cmd.option('--debug', DEBUG_HELP);
}
addDebugOption(program);

let running: Command | undefined;
program.hook('preAction', (_program, action) => {
  running = action;
});

/** "hil ota upload": the command a failure is told under. */
function commandPath(cmd: Command | undefined): string {
  const names: string[] = [];
  for (let c = cmd; c; c = c.parent ?? undefined) names.unshift(c.name());
  return names.join(' ') || 'hil';
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its own usage errors already.
  if (!(e instanceof CommanderError)) {
    const leafDebug = running?.options.some((o: Option) => o.long === '--debug' && o.description === DEBUG_HELP) && running.opts().debug;
    process.stderr.write(`${commandPath(running)}: ${failureText(e, { debug: program.opts().debug || leafDebug })}\n`);
  }
  process.exitCode = exitCodeOf(e);
}
