import { SerialConsole } from '../console/serial-console.ts';
import { SshSession } from '../ssh/ssh-session.ts';
import { ConsoleLogSource } from '../logs/console-log-source.ts';
import { OtaEventLog } from '../logs/event-log.ts';
import type { OtaEvent } from '../logs/parse.ts';
import { LabFault, ProductFailure } from '../errors.ts';
import { Deadline } from '../wait/deadline.ts';
import { resolvePassword } from './load-profile.ts';
import type { BoardProfile } from './profile-schema.ts';
import type { PowerDriver } from '../power/power-driver.ts';
import { silentLogger, type HarnessLogger } from '../logger.ts';

// One board under test: its profile bound to a serial console (login, the live daemon logs),
// SSH (clean command output for the checks) and a power driver. The OTA events of every console
// line land in one OtaEventLog for the whole test, across reboots and power cycles.

export type Slot = 'A' | 'B';

/** Files the OTA flow itself writes under the user-data paths: not user data (afero-facts.md). */
const otaBookkeeping = ['/afero_nv/reboot_reason', '/afero_nv/hubby/'];

export class Board {
  readonly events: OtaEventLog;
  console!: SerialConsole;
  private stopFollowing: (() => Promise<void>) | undefined;
  private source: ConsoleLogSource | undefined;
  private following = false;

  constructor(
    readonly profile: BoardProfile,
    readonly ssh: SshSession,
    readonly power: PowerDriver,
    private readonly transcriptPath: string,
    /** The harness's own log (pino JSON lines): console and SSH trouble, power, OTA events. */
    readonly log: HarnessLogger = silentLogger,
  ) {
    this.events = new OtaEventLog(`${profile.name} console`);
    this.events.on('event', (ev: OtaEvent) => this.log.info({ board: profile.name, kind: ev.kind, fields: ev.fields, line: ev.line }, 'ota event'));
  }

  has(capability: BoardProfile['capabilities'][number]): boolean {
    return this.profile.capabilities.includes(capability);
  }

  /** Opens the console on the power driver's current serial address (it changes when QEMU restarts). */
  async openConsole(): Promise<void> {
    await this.closeConsole();
    this.console = await SerialConsole.open({
      address: this.power.serialAddress ?? this.profile.serial.port,
      baud: this.profile.serial.baud,
      charDelayMs: this.profile.serial.charDelayMs,
      name: `${this.profile.name} serial console`,
      transcriptPath: this.transcriptPath,
      logger: this.log,
    });
    // Every console line is an OTA event candidate from the first byte (bootloader, kernel); the
    // daemon log command is started on the console once logged in.
    this.console.onLineReceived((line) => this.events.feed(line));
    this.source = new ConsoleLogSource(this.console, this.profile.logs.command, {
      readyProbe: this.profile.logs.readyProbe,
      sinceBootCommand: this.profile.logs.sinceBootCommand,
      readyTimeoutMs: this.profile.timeouts.followerReady,
    });
  }

  async closeConsole(): Promise<void> {
    if (!this.console) return;
    // Only a follower that was started is stopped: the stop types into the console and awaits the shell.
    if (this.following) await this.source?.stop().catch(() => undefined);
    this.source = undefined;
    this.following = false;
    await this.console.close();
  }

  /**
   * Waits for the login prompt (the board is booting), logs in, and follows this boot's daemon
   * logs from its start, all within `at`: the phase's deadline, or a phase name given `budgetMs`.
   */
  async waitForShell(at: Deadline | string, budgetMs = this.profile.timeouts.boot): Promise<void> {
    const deadline = typeof at === 'string' ? Deadline.after(budgetMs, at) : at;
    // The boot has reached getty when its prompt shows, even with a kernel message printed after
    // it on its line (printk does not wait for getty); the login then asks for a fresh prompt.
    await this.console.expect(new RegExp(loginPromptAnywhere(this.profile.login.loginPrompt), 'm'), { deadline });
    await this.loginAndFollow(deadline, { sinceBoot: true });
  }

  /** Logs in on the console (copes with a shell already open), starts the log follower and waits for SSH, within `at`. */
  async loginAndFollow(at: Deadline | string, o: { sinceBoot?: boolean } = {}): Promise<void> {
    const deadline = typeof at === 'string' ? Deadline.after(this.profile.timeouts.boot, at) : at;
    const phase = deadline.phase ?? 'login';
    const login = this.profile.login;
    await this.console.login({
      user: login.user,
      password: 'none' in login.password ? undefined : resolvePassword(this.profile),
      loginPrompt: new RegExp(login.loginPrompt, 'm'),
      passwordPrompt: new RegExp(login.passwordPrompt, 'm'),
      shellPrompt: new RegExp(login.shellPrompt, 'm'),
      timeoutMs: this.profile.timeouts.login,
      deadline,
      phase,
    });
    await this.source!.startLogCommand({ ...o, deadline });
    this.following = true;
    await this.ssh.waitUntilUp({ deadline, phase });
    this.log.info({ board: this.profile.name, phase, sinceBoot: !!o.sinceBoot }, 'logged in, following the daemon logs');
  }

  /**
   * A command over SSH for the harness's own work: output free of console log lines. Its failure
   * is a lab fault (CommandError); for a check of the product, use check().
   */
  async sh(command: string, phase?: string, deadline?: Deadline): Promise<string> {
    return (await this.ssh.exec(command, { check: true, phase: phase ?? deadline?.phase ?? 'check', deadline, timeoutMs: this.profile.timeouts.command })).stdout;
  }

  /**
   * A check of a product property over SSH: a command that fails says the property does not hold
   * (a file missing, a record unreadable, a variable unset), a product failure naming `what`.
   * SSH itself failing (the board unreachable) stays a lab fault.
   */
  async check(command: string, what: string, o: { phase?: string; deadline?: Deadline } = {}): Promise<string> {
    const phase = o.deadline?.phase ?? o.phase ?? 'check';
    const r = await this.ssh.exec(command, { phase, deadline: o.deadline, timeoutMs: this.profile.timeouts.command });
    if (r.code !== 0) {
      const why = r.stderr.trim().split('\n').slice(-5).join('\n') || `exit status ${r.code ?? `signal ${r.signal}`}`;
      throw new ProductFailure(`[${phase}] ${what}: "${command}" failed on ${this.profile.name} (exit status ${r.code ?? `signal ${r.signal}`}): ${why}`, { phase });
    }
    return r.stdout;
  }

  async activeSlot(): Promise<Slot> {
    const a = this.profile.slots.active;
    if (a.method === 'fw_printenv') {
      const v = (await this.sh(`fw_printenv -n ${a.variable}`)).trim();
      const slot = (Object.keys(a.values) as Slot[]).find((k) => a.values[k] === v);
      if (!slot) throw new ProductFailure(`${a.variable}=${JSON.stringify(v)} names neither slot (A=${a.values.A}, B=${a.values.B})`);
      return slot;
    }
    const root = (await this.sh(`sed -n 's/.* root=\\([^ ]*\\).*/\\1/p' /proc/cmdline`)).trim();
    const running: Slot | undefined = root === this.profile.slots.A ? 'A' : root === this.profile.slots.B ? 'B' : undefined;
    if (a.method === 'cmdline') {
      if (!running) throw new ProductFailure(`the kernel's root=${root} is neither slot (A=${this.profile.slots.A}, B=${this.profile.slots.B})`);
      return running;
    }
    // uEnv.txt on the boot partition (Afero's BBGW sysupgrade rewrites it): read on a read-only
    // mount of its own, which works whether or not the board has the partition mounted already.
    const text = await this.sh(`d=$(mktemp -d) && mount -o ro ${a.bootPartition} "$d" && { cat "$d/${a.file}"; r=$?; umount "$d"; rmdir "$d"; exit $r; }`);
    const v = new RegExp(`^\\s*${a.variable}=(\\S*)`, 'm').exec(text)?.[1];
    if (v === undefined) throw new ProductFailure(`${a.bootPartition}:${a.file} sets no ${a.variable} (expected ${a.variable}=${a.values.A} or ${a.values.B})`);
    const slot = (Object.keys(a.values) as Slot[]).find((k) => a.values[k] === v);
    if (!slot) throw new ProductFailure(`${a.bootPartition}:${a.file}: ${a.variable}=${v} names neither slot (A=${a.values.A}, B=${a.values.B})`);
    // The bootloader was told one root and the kernel runs another: a switch that did not take
    // effect (or a root named otherwise, e.g. by UUID: then only uEnv.txt can tell).
    if (running && running !== slot) {
      throw new ProductFailure(`${a.bootPartition}:${a.file} says ${a.variable}=${v} (slot ${slot}, ${this.profile.slots[slot]}) but the kernel runs root=${root} (slot ${running})`);
    }
    return slot;
  }

  /** The running versionNumber as /etc/full_ota_record.json gives it (missing, unreadable or without one: a product failure). */
  async recordVersion(deadline?: Deadline): Promise<string> {
    const file = '/etc/full_ota_record.json';
    const text = await this.check(`cat ${file}`, `the running image's OTA record ${file}`, { deadline });
    let v: unknown;
    try {
      v = (JSON.parse(text) as { versionNumber?: unknown }).versionNumber;
    } catch (e) {
      throw new ProductFailure(`${file} is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`, { phase: deadline?.phase });
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw new ProductFailure(`${file} has no versionNumber: ${text.slice(0, 200)}`, { phase: deadline?.phase });
    return String(v);
  }

  /** A board attached to between tests must not be in the middle of an update (a lab fault: the lab left it so). */
  async expectNoUpdateUnderWay(): Promise<void> {
    const files = (await this.sh('ls /tmp/ota.update.* /tmp/ota_type_5.img /tmp/ota_type_5.hdr 2>/dev/null; true', 'attach to the board')).trim();
    if (files) throw new LabFault(`${this.profile.name}: an update is under way on the board (${files.split('\n').join(', ')}): let it finish or power-cycle the board`, { phase: 'attach to the board' });
  }

  /**
   * sha256 of every user-data file (OTA bookkeeping aside), after writing a fresh sentinel file.
   * User data that cannot be written or listed is the product's failure (a path gone, read-only).
   */
  async dataManifest(sentinel?: string, deadline?: Deadline): Promise<Map<string, string>> {
    const data = this.profile.userData;
    if (sentinel) await this.check(`echo ${sentinel} > ${data[0]}/hil-sentinel && sync`, `writing a sentinel file into the user data ${data[0]}`, { deadline });
    // pipefail is not in every busybox sh: the listing's own status is kept apart.
    const out = await this.check(`find ${data.join(' ')} -type f -exec sha256sum {} + > /tmp/.hil-manifest && sort -k2 /tmp/.hil-manifest; r=$?; rm -f /tmp/.hil-manifest; exit $r`, `the user-data files (${data.join(', ')})`, { deadline });
    const m = new Map<string, string>();
    for (const line of out.split('\n')) {
      const hit = /^([0-9a-f]{64})\s+(\S.*)$/.exec(line);
      if (hit && !otaBookkeeping.some((p) => hit[2] === p || hit[2].startsWith(p))) m.set(hit[2], hit[1]);
    }
    return m;
  }

  /** Powers on and follows the console from the first byte. */
  async powerOn(): Promise<void> {
    this.log.info({ board: this.profile.name }, 'power on');
    await this.power.prepare?.();
    await this.openConsole();
    await this.power.on();
  }

  /** Cuts the power now (the console goes with a virtual board's QEMU). */
  async cutPower(): Promise<void> {
    this.log.info({ board: this.profile.name }, 'power cut');
    await this.power.cut();
    this.dropLogFollower();
    await this.closeConsole();
  }

  /**
   * Off and on with the driver's own cycle (a PDU's reboot) and the console open from the first
   * byte. A driver whose console comes with the power (QEMU: a new process, a new pty) is cut and
   * powered on instead.
   */
  async powerCycle(): Promise<void> {
    this.log.info({ board: this.profile.name }, 'power cycle');
    if (this.power.prepare) {
      await this.cutPower();
      return this.powerOn();
    }
    this.dropLogFollower();
    await this.openConsole();
    await this.power.cycle();
  }

  /** The follower died with the board's power: stopping it would type into a dead console and wait out its answer. */
  private dropLogFollower(): void {
    this.following = false;
  }

  async close(): Promise<void> {
    await this.closeConsole().catch(() => undefined);
    this.ssh.close();
    await this.power.release();
  }
}

/** A login prompt pattern without its end-of-line anchor: `login: *$` → `login: *`. */
export function loginPromptAnywhere(pattern: string): string {
  return pattern.replace(/(?<!\\)\$$/, '');
}
