import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildVboard } from '../vboard/build.ts';
import { QemuBoard } from '../power/qemu-board.ts';
import { SshSession } from '../ssh/ssh-session.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { readState, readStateFile, vboardRunDir, checkName, alive, type VboardState } from '../vboard/run-state.ts';
import { restoreDisk } from '../vboard/restore-disk.ts';
import { runLabCommand } from '../power/shell-command.ts';
import { StateError } from './failure.ts';
import { buildTwin, checkTwin, type TwinName } from '../vboard/build-twin.ts';
import { startSer2net, tcpLine, type Ser2net } from '../vboard/ser2net.ts';
import { UartRelay } from '../vboard/uart-relay.ts';
import { freePort } from '../process/free-port.ts';
import { addTwinToInventory, removeTwinFromInventory } from '../vboard/twin-inventory.ts';
import { startOtaService, type OtaService } from '../service/server.ts';
import { LAB_SERVICE_URL } from '../ota/partner-conf.ts';

const runDir = vboardRunDir;

// `hil vboard up|down|status|reimage`: a virtual board that stays up between commands, for people
// at a terminal. `up` starts a detached keeper process (`hil vboard keep`) that owns QEMU: the
// board lives exactly as long as the keeper, and `down` ends the keeper, which stops QEMU and
// removes the overlay. State in .cache/vboard-run/<name>/: state.json and a stable `serial` link.
// With --twin, the board is a twin of a real board type (boards/twins/), kept as a rack keeps a
// board: console through ser2net, SSH, power commands, and an entry in a lab inventory; and, unless
// --service names another, a lab OTA service of its own (signing with the key the twin trusts),
// which lives and ends with it. `reimage` puts a stopped board's disk back to the pristine image:
// a twin's inventory entry names it as the board's `recovery` command.

function print(s: VboardState, json: boolean): void {
  if (s.twin) return printTwin(s, json);
  if (json) process.stdout.write(`${JSON.stringify({ serial: s.serial, ssh: { host: s.ssh.host, port: s.ssh.port, user: s.ssh.user, key: s.ssh.key } })}\n`);
  else
    process.stdout.write(
      [
        `virtual board "${s.name}" is up (keeper pid ${s.pid})`,
        `  serial:  ${s.serial}   (e.g. picocom -b 115200 ${s.serial})`,
        `  ssh:     ssh -i ${s.ssh.key} -p ${s.ssh.port} ${s.ssh.user}@${s.ssh.host}`,
        `  host key ${s.ssh.hostKeyFingerprint}`,
        `  OTA:     the board's hubby reaches ${s.otaService}; start it with: hil service start --signing-key ${s.signingKey}`,
        '',
      ].join('\n'),
    );
}

/** A twin, reached as a rack board: ser2net's port, SSH, the password's file, the power commands. */
function printTwin(s: VboardState, json: boolean): void {
  const t = s.twin!;
  if (json) {
    process.stdout.write(`${JSON.stringify({ twin: t.board, serial: t.serialTcp, ssh: { host: s.ssh.host, port: s.ssh.port, user: s.ssh.user, key: s.ssh.key, hostKeyFingerprint: s.ssh.hostKeyFingerprint }, deviceId: t.deviceId, passwordFile: t.passwordFile, power: t.power, inventory: t.inventory, otaService: s.otaService, lab: t.lab })}\n`);
    return;
  }
  const env = `HIL_${t.board.toUpperCase()}_PASSWORD`;
  process.stdout.write(
    [
      `${t.board} twin "${s.name}" is up (keeper pid ${s.pid})`,
      `  serial:    ${t.serialTcp}   (ser2net raw TCP; e.g. socat -,rawer TCP:${t.serialTcp})`,
      `  ssh:       ssh -i ${s.ssh.key} -p ${s.ssh.port} ${s.ssh.user}@${s.ssh.host}`,
      `  host key   ${s.ssh.hostKeyFingerprint}`,
      `  password:  in ${t.passwordFile} (${t.inventory ? "the inventory's login.password names it" : `export ${env}="$(cat ${t.passwordFile})"`})`,
      `  deviceId:  ${t.deviceId}`,
      `  power:     ${t.power.cycle.replace(/ cycle$/, ' on|off|cycle|status')}`,
      t.lab?.otaConf ? `  OTA:       the twin's lab service at ${s.otaService} (partner-ota-conf.json: ${t.lab.otaConf})` : `  OTA:       the board's hubby reaches ${s.otaService} (a service signing with ${s.signingKey})`,
      ...(t.inventory ? [`  inventory: board "${s.name}" (or the ${t.board} entry of a per-type inventory) and lab.${t.board} in ${t.inventory}; run: HIL_INVENTORY=${t.inventory} npx playwright test --project=${t.board}`] : []),
      '',
    ].join('\n'),
  );
}

export async function vboardUp(root: string, o: { name: string; json?: boolean; service: string; timeout: string; twin?: string; inventory?: string }): Promise<void> {
  checkName(o.name);
  const twin = o.twin === undefined ? undefined : checkTwin(o.twin);
  const running = readState(root, o.name);
  if (running) return print(running, !!o.json);
  if (twin) buildTwin(root, twin, { log: (s) => process.stderr.write(`${s}\n`) });
  else buildVboard(root, { log: (s) => process.stderr.write(`${s}\n`) });
  const dir = runDir(root, o.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const log = fs.openSync(path.join(dir, 'keeper.log'), 'a');
  const twinArgs = twin ? ['--twin', twin, ...(o.inventory ? ['--inventory', path.resolve(o.inventory)] : [])] : [];
  const keeper = spawn(process.execPath, [...process.execArgv, process.argv[1], 'vboard', 'keep', '--name', o.name, '--service', o.service, ...twinArgs], { detached: true, stdio: ['ignore', log, log] });
  keeper.unref();
  const stateFile = path.join(dir, 'state.json');
  await waitForPath(stateFile, { timeoutMs: 60_000, what: 'the virtual board keeper', failed: () => (keeper.exitCode !== null ? `the keeper exited: see ${path.join(dir, 'keeper.log')}` : undefined) });
  const s = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as VboardState;
  const ssh = new SshSession({ host: s.ssh.host, port: s.ssh.port, user: s.ssh.user, privateKeyPath: s.ssh.key, hostKeyFingerprint: s.ssh.hostKeyFingerprint });
  try {
    await ssh.waitUntilUp({ timeoutMs: Number(o.timeout) * 1000, phase: 'vboard up' });
  } finally {
    ssh.close();
  }
  // In the inventory only once it answers: a run started from it finds a board that is up.
  if (s.twin?.inventory) addTwinToInventory(s.twin.inventory, s);
  print(s, !!o.json);
}

/** The keeper: owns QEMU until SIGTERM/SIGINT, then stops it and removes the overlay. */
export async function vboardKeep(root: string, o: { name: string; service: string; twin?: string; inventory?: string }): Promise<void> {
  if (o.twin !== undefined) return twinKeep(root, { ...o, twin: checkTwin(o.twin) });
  const img = buildVboard(root);
  const dir = runDir(root, o.name);
  let board: QemuBoard;
  try {
    board = await QemuBoard.start({ baseImage: img.disk, runDir: dir, otaServiceUrl: o.service });
  } catch (e) {
    // QEMU is tied to this process: exiting ends it too.
    process.stderr.write(`cannot start the virtual board: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const link = path.join(dir, 'serial');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(board.serialPath, link);
  await board.powerOn();
  const state: VboardState = {
    name: o.name,
    pid: process.pid,
    serial: link,
    ssh: { host: '127.0.0.1', port: board.sshPort, user: 'root', key: img.clientKey, hostKeyFingerprint: img.hostKeyFingerprint },
    otaService: o.service,
    signingKey: path.join(img.dir, 'keys', 'ota-signing.pem'),
    disk: { file: path.join(dir, 'overlay.qcow2'), pristine: img.disk, format: 'qcow2' },
  };
  fs.writeFileSync(`${path.join(dir, 'state.json')}.part`, JSON.stringify(state, null, 2));
  fs.renameSync(`${path.join(dir, 'state.json')}.part`, path.join(dir, 'state.json'));
  const stop = () =>
    void board.stop().finally(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * A twin's keeper: QEMU with the twin's disk as an SD card, its UART through a relay that knows
 * the power (harness/vboard/uart-relay.ts), ser2net in front, and a second QMP socket for the
 * power commands (harness/vboard/twin-power.mjs). Powered on at once: a rack board is running
 * before anyone attaches.
 */
async function twinKeep(root: string, o: { name: string; service: string; twin: TwinName; inventory?: string }): Promise<void> {
  const img = buildTwin(root, o.twin);
  const dir = runDir(root, o.name);
  const powerSocket = path.join(dir, 'power.sock');
  let service: OtaService | undefined;
  let board: QemuBoard;
  let uart: UartRelay;
  let ser2net: Ser2net;
  try {
    // The twin's own lab service unless --service named another: on a free port, so that twins
    // (and a service someone runs on 8480) live side by side; its data goes with the twin.
    if (o.service === LAB_SERVICE_URL) service = await startOtaService({ port: 0, dataDir: path.join(dir, 'lab-service'), signingKeyFile: path.join(img.dir, 'keys', 'ota-signing.pem') });
    board = await QemuBoard.start({ baseImage: img.disk, runDir: dir, otaServiceUrl: service?.url ?? o.service, sdController: img.sdController, powerSocket, serialSocket: path.join(dir, 'uart.sock') });
    uart = await UartRelay.start({ uartSocket: board.serialPath });
    // The power script switches QEMU through its own QMP socket: the events tell the UART too.
    board.onEvent((ev) => (ev.event === 'RESUME' ? uart.setPowered(true) : ev.event === 'STOP' ? uart.setPowered(false) : undefined));
    ser2net = await startSer2net({ connector: tcpLine(uart.port), port: await freePort(), dir });
  } catch (e) {
    // QEMU and ser2net are tied to this process: exiting ends them too.
    process.stderr.write(`cannot start the ${o.twin} twin: ${(e as Error).message}\n`);
    await service?.close();
    process.exit(1);
  }
  await board.powerOn();
  uart.setPowered(true);
  const power = (action: string) => `${process.execPath} ${path.join(root, 'harness', 'vboard', 'twin-power.mjs')} ${powerSocket} ${action}`;
  const hil = `${process.execPath} ${path.join(root, 'bin', 'hil.js')}`;
  const state: VboardState = {
    name: o.name,
    pid: process.pid,
    serial: `127.0.0.1:${ser2net.port}`,
    ssh: { host: '127.0.0.1', port: board.sshPort, user: 'root', key: img.clientKey, hostKeyFingerprint: img.hostKeyFingerprint },
    otaService: service?.url ?? o.service,
    signingKey: path.join(img.dir, 'keys', 'ota-signing.pem'),
    disk: { file: path.join(dir, 'disk.img'), pristine: img.disk, format: 'raw' },
    twin: {
      board: o.twin,
      serialTcp: `127.0.0.1:${ser2net.port}`,
      deviceId: img.deviceId,
      passwordFile: img.passwordFile,
      power: { on: power('on'), off: power('off'), cycle: power('cycle'), status: power('status') },
      // What the rack runs, between power off and on, for a board that boots no slot.
      recovery: `${hil} vboard reimage --name ${o.name}`,
      inventory: o.inventory,
      // The release image for a record is the twin's payload with the record in front (boards/twins/make-image.sh).
      lab: { ...(service ? { otaConf: service.confPath } : {}), build: `sh ${path.join(root, 'boards', 'twins', 'make-image.sh')} ${img.dir}`, variants: ['rootfs-no-init', 'rootfs-random-kernel'] },
    },
  };
  fs.writeFileSync(`${path.join(dir, 'state.json')}.part`, JSON.stringify(state, null, 2));
  fs.renameSync(`${path.join(dir, 'state.json')}.part`, path.join(dir, 'state.json'));
  const stop = () =>
    void Promise.allSettled([ser2net.stop(), uart.stop(), board.stop(), service?.close()]).finally(() => {
      if (state.twin!.inventory) removeTwinFromInventory(state.twin!.inventory, state);
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export async function vboardDown(root: string, o: { name: string }): Promise<void> {
  checkName(o.name);
  const s = readState(root, o.name);
  if (!s) {
    fs.rmSync(runDir(root, o.name), { recursive: true, force: true });
    process.stdout.write(`virtual board "${o.name}" is not running\n`);
    return;
  }
  // The keeper stops QEMU, then removes its folder and exits: either shows it is done.
  const dir = runDir(root, o.name);
  const gone = () => !fs.existsSync(path.join(dir, 'state.json')) || !alive(s.pid);
  await new Promise<void>((resolve, reject) => {
    const watcher = fs.watch(path.dirname(dir), () => gone() && finish());
    const timer = setTimeout(() => finish(new Error(`the keeper (pid ${s.pid}) of virtual board "${o.name}" did not stop within 30 s`)), 30_000);
    function finish(err?: Error): void {
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    }
    process.kill(s.pid, 'SIGTERM');
    if (gone()) finish();
  });
  process.stdout.write(`virtual board "${o.name}" is down\n`);
}

export function vboardStatus(root: string, o: { name: string; json?: boolean }): number {
  checkName(o.name);
  const s = readState(root, o.name);
  if (o.json && s?.twin) print(s, true);
  else if (o.json) process.stdout.write(`${JSON.stringify(s ? { running: true, serial: s.serial, ssh: { host: s.ssh.host, port: s.ssh.port, user: s.ssh.user, key: s.ssh.key } } : { running: false })}\n`);
  else if (s) print(s, false);
  else process.stdout.write(`virtual board "${o.name}" is not running\n`);
  return s ? 0 : 1;
}

/** How long the twin's power switch may take to say whether it is on. */
const POWER_STATUS_LIMIT_MS = 15_000;

/**
 * Puts a kept board's disk back to the pristine built image, refusing while its QEMU runs: a
 * twin's must be powered off first (the rack's recovery does: power off, this, power on); a plain
 * board, which has no power switch, runs until its keeper ends.
 */
export async function vboardReimage(root: string, o: { name: string }): Promise<void> {
  checkName(o.name);
  const s = readStateFile(root, o.name);
  if (!s) throw new StateError(`virtual board "${o.name}" has no disk kept (${runDir(root, o.name)}): nothing to re-image; \`hil vboard up\` starts a board from the pristine image`);
  if (!s.disk) throw new StateError(`virtual board "${o.name}" was started by an older hil that did not note its disk: \`hil vboard down --name ${o.name}\`, then up again`);
  if (alive(s.pid)) {
    if (!s.twin) throw new StateError(`virtual board "${o.name}" runs (keeper pid ${s.pid}) and has no power switch to stop its QEMU: \`hil vboard down --name ${o.name}\` and \`up\` again start it from the pristine image`);
    const power = (await runLabCommand({ command: s.twin.power.status, what: `power status of ${o.name}`, timeoutMs: POWER_STATUS_LIMIT_MS, phase: 'recovery' })).trim();
    if (power !== 'off') throw new StateError(`${s.twin.board} twin "${o.name}" is powered ${power === 'on' ? 'on' : `"${power}"`}: its QEMU runs on ${s.disk.file}; power it off first (its inventory entry's power.off), then re-image`);
  }
  const ms = restoreDisk(s.disk);
  process.stdout.write(`virtual board "${o.name}": ${s.disk.file} re-imaged from ${s.disk.pristine} in ${(ms / 1000).toFixed(2)} s\n`);
}
