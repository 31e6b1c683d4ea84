import fs from 'node:fs';
import path from 'node:path';
import { startOpenSshServer, type OpenSshServer } from '../testing/openssh-server.ts';
import { startPtyProgram, type PtyPair } from '../testing/pty-pair.ts';

// A rack board made of local peers, for the rack's tests: a real OpenSSH server (the board's sshd)
// and a real shell on a pseudo-terminal (its serial console, with a /tmp of its own), its active slot read with a
// `fw_printenv` of its own (U-Boot's boot_part, from a file) and its daemon log a file. Its
// inventory entry points at them; `profileSource` is a board type for such boards, modelled on
// boards/sama5d2.ts (root login without a password, A/B slots by boot_part).

export interface LocalRackBoard {
  readonly id: string;
  /** With `switchable`: the board's power commands for a `command` power driver (on, off). */
  readonly power?: { driver: 'command'; on: string; off: string };
  readonly dir: string;
  readonly sshd: OpenSshServer;
  readonly console: PtyPair;
  /** The board's entry in a lab inventory's "boards" list. */
  entry(type: string, tags?: string[]): Record<string, unknown>;
  stop(): Promise<void>;
}

/** The board type's profile module (for a file `<type>.ts`): lab values come from each board's entry. */
export function profileSource(type: string): string {
  return `export default ${JSON.stringify(profileData(type), null, 2)};\n`;
}

export function profileData(type: string): Record<string, unknown> {
  return {
      name: type,
      description: 'a rack board of local peers (OpenSSH, a shell on a pty)',
      serial: { port: '/dev/null' },
      login: { user: 'root', password: { none: true } },
      ssh: { user: 'root', port: 22 },
      slots: { A: '/dev/mmcblk0p2', B: '/dev/mmcblk0p3', active: { method: 'fw_printenv', variable: 'boot_part', values: { A: '2', B: '3' } } },
      userData: ['/afero_nv'],
      power: { driver: 'none' },
      timeouts: { boot: 30_000, download: 5_000, validate: 5_000, install: 5_000, reboot: 5_000, confirm: 5_000, login: 10_000, command: 4_000, followerReady: 5_000 },
  };
}

/**
 * `switchable`: the console answers only while the board is powered (a file), starting off and
 * silent; power on prints a login prompt and starts the shell once a user name is typed (any,
 * no password), power off kills it. While the file `unbootable` is in its folder (an image that
 * does not boot), power on prints U-Boot's lines and then nothing until the power goes (however
 * briefly: each power-on writes a new boot id into the power file): it boots no slot.
 */
export async function startLocalRackBoard(id: string, parent: string, o: { switchable?: boolean } = {}): Promise<LocalRackBoard> {
  const dir = fs.mkdtempSync(path.join(parent, `${id}-`));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(dir, 'boot_part'), '2\n');
  fs.writeFileSync(path.join(bin, 'fw_printenv'), `#!/bin/sh\n[ "$1" = -n ] && shift\n[ "$1" = boot_part ] && exec cat ${dir}/boot_part\nexit 1\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'messages'), '');
  const sshd = await startOpenSshServer();
  try {
    // The board's own fw_printenv first on the PATH of its SSH sessions: sshd starts again with it.
    const config = path.join(sshd.dir, 'sshd_config');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('SetEnv SHLVL=1', `SetEnv SHLVL=1 PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`));
    sshd.crash();
    // The killed sshd may still hold its port for a moment: each failed start is the event to try again on.
    for (let attempt = 1; ; attempt++) {
      try {
        await sshd.start();
        break;
      } catch (e) {
        if (attempt === 50 || !/Address already in use/.test((e as Error).message)) throw e;
      }
    }
  } catch (e) {
    await sshd.stop();
    throw e;
  }
  // The console's shell has a /tmp of its own, as a board has: the harness keeps the log
  // follower's pid in /tmp/.hil-log-follower.pid, which two boards on one host would share. And
  // a pid namespace of its own: when the shell's unshare is killed (power off, stop), everything
  // the shell started (the log follower above all) dies with it, as on a board losing power.
  const shell = path.join(dir, 'console.sh');
  // The board's own folder stays in sight when it lies under /tmp (a project cloned there): it
  // is set aside on /mnt (in this mount namespace only) and moved back into the new /tmp.
  const privateShell = `unshare -m -p --kill-child --propagation private sh -c 'mount --bind "$0" /mnt && mount -t tmpfs hil-board-tmp /tmp && mkdir -p "$0" && mount --move /mnt "$0" && exec /bin/sh -i' ${JSON.stringify(dir)}`;
  const powered = path.join(dir, 'powered');
  const shellPid = path.join(dir, 'shell.pid');
  const unbootable = path.join(dir, 'unbootable');
  // Each power-on gives the terminal back to this script's process group, as a board's fresh
  // getty takes its console: the shell killed at the last power-off left the terminal's
  // foreground group pointing at its own dead group, and a new interactive sh would wait forever
  // to be in the foreground (dash loops on SIGTTIN, which the kernel discards for an orphaned
  // group): no prompt, no answer. SIGTTOU ignored: this group is in the background until then.
  const takeTerminal = `perl -MPOSIX -e '$SIG{TTOU} = "IGNORE"; POSIX::tcsetpgrp(0, POSIX::getpgrp()) or die "tcsetpgrp: $!\\n"; POSIX::tcflush(0, POSIX::TCIFLUSH) or die "tcflush: $!\\n"'`;
  // The login prompt waits for a user name (an empty line prompts again), as a board's getty
  // does, then the shell starts: a shell started at once would print its prompt right after
  // "login: ", and a harness looking for the login prompt at the end of the console's text after
  // that (the power cycle's request returned late) would never see it. In the process the power
  // off kills, so that a board cut at its login prompt does not start a shell on the next line typed.
  // With a file `late-kernel-line` in its folder, a kernel message lands once right after the
  // prompt, on its line and in the same write, as printk does on a real console while getty waits
  // (crng init, a link coming up).
  const prompt = `if [ -f ${dir}/late-kernel-line ]; then rm -f ${dir}/late-kernel-line; printf "${id} login: [    7.123456] random: crng init done\\r\\n"; else printf "${id} login: "; fi`;
  const getty = `while ${prompt}; read -r user; do [ -n "$user" ] && exec ${privateShell.replace(/'/g, `'"'"'`)}; done`;
  const script = o.switchable
    ? // Off: nothing answers (a ^C the harness sends to interrupt a command is caught, as a hung
      // board ignores it), and what is typed meanwhile is lost at power-on, as an unpowered board's
      // UART loses it: left in the pty, it would log the fresh shell in before its prompt was seen.
      // On: a boot banner, a login prompt, the shell once a user name is typed; unbootable: U-Boot
      // gives up on both slots.
      `#!/bin/sh\ntrap : INT QUIT TSTP\nwhile :; do\n  while [ ! -f ${powered} ]; do sleep 0.1; done\n  ${takeTerminal}\n` +
      `  if [ -f ${unbootable} ]; then\n    printf 'U-Boot (local rack board)\\r\\nbootcount exceeded on both slots: no slot boots\\r\\n'\n    boot=$(cat ${powered})\n    while [ "$(cat ${powered} 2>/dev/null)" = "$boot" ]; do sleep 0.1; done\n    continue\n  fi\n` +
      `  printf 'U-Boot (local rack board)\\r\\nStarting kernel ...\\r\\n\\r\\n'\n  sh -c 'echo $$ > ${shellPid}; ${getty}'\n  rm -f ${shellPid}\ndone\n`
    : `#!/bin/sh\nexec ${privateShell}\n`;
  fs.writeFileSync(shell, script, { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'pty'));
  const console = await startPtyProgram(shell, path.join(dir, 'pty'));
  const messages = path.join(dir, 'messages');
  return {
    id,
    dir,
    power: o.switchable ? { driver: 'command', on: `date +%s%N > ${powered}`, off: `rm -f ${powered}; [ -f ${shellPid} ] && kill -9 $(cat ${shellPid}) 2>/dev/null; true` } : undefined,
    sshd,
    console,
    entry: (type, tags = []) => ({
      id,
      type,
      tags,
      deviceId: Buffer.from(id).toString('hex').padStart(16, '0').slice(-16),
      serial: { port: console.harnessPath },
      ssh: { host: sshd.target.host, port: sshd.target.port, user: sshd.target.user, privateKey: sshd.target.privateKeyPath, hostKeyFingerprint: sshd.target.hostKeyFingerprint },
      logs: { command: `tail -n0 -F ${messages}`, sinceBootCommand: `tail -n +1 -F ${messages}`, readyProbe: `echo {marker} >> ${messages}` },
    }),
    async stop() {
      await console.stop();
      await sshd.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
