import { spawn } from 'node:child_process';
import { LabFault } from '../errors.ts';
import type { PowerDriver } from './power-driver.ts';

// Power switched by shell commands, as labs drive uhubctl, usbrelay, sispmctl, snmpset or
// PDUDaemon (Yocto's TEST_POWERCONTROL_CMD): `on`, `off`, an optional `cycle` (else off, then on)
// and an optional `status` printing "on" or "off". Each runs under `sh -c` with a time limit; its
// process group is killed when the limit passes. Errors name the action and the program, never the
// whole command line (a PDU's community string or password may be in it): keep secrets in the
// environment the command reads them from.

export interface PowerCommands {
  on: string;
  off: string;
  cycle?: string;
  status?: string;
  /** Limit for one command, in ms (default 30 s). */
  timeoutMs?: number;
}

type Action = 'on' | 'off' | 'cycle' | 'status';

/** The program a command runs (its first word), for messages that must not print the rest. */
function programOf(command: string): string {
  return /^\s*(?:\w+=\S*\s+)*(\S+)/.exec(command)?.[1] ?? '(empty)';
}

export class CommandPower implements PowerDriver {
  readonly canCut = true;

  constructor(
    private readonly commands: PowerCommands,
    /** Extra environment for the commands (e.g. the board's name), on top of this process's. */
    private readonly env: NodeJS.ProcessEnv = {},
  ) {
    for (const a of ['on', 'off'] as const) {
      if (typeof commands[a] !== 'string' || !commands[a].trim()) throw new Error(`power.${a}: expected the shell command that switches the board ${a}`);
    }
  }

  async on(): Promise<void> {
    await this.run('on');
  }

  /** Off at once: to a relay or PDU outlet, off is a power cut. */
  async cut(): Promise<void> {
    await this.run('off');
  }

  async cycle(): Promise<void> {
    if (this.commands.cycle) await this.run('cycle');
    else {
      await this.run('off');
      await this.run('on');
    }
  }

  /** The power state the `status` command prints ("on" or "off"); undefined without one. */
  async status(): Promise<'on' | 'off' | undefined> {
    if (!this.commands.status) return undefined;
    const out = (await this.run('status')).trim().toLowerCase();
    const word = /^\S*/.exec(out)![0];
    if (word !== 'on' && word !== 'off') throw new LabFault(`power status (${programOf(this.commands.status)}): expected it to print "on" or "off", it printed ${JSON.stringify(out.slice(0, 80))}`, { phase: 'power' });
    return word;
  }

  /** The board stays as it is: the lab owns its power between runs. */
  async release(): Promise<void> {}

  private run(action: Action): Promise<string> {
    const command = this.commands[action]!;
    const limit = this.commands.timeoutMs ?? 30_000;
    const what = `power ${action} (${programOf(command)})`;
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], { env: { ...process.env, ...this.env, HIL_POWER_ACTION: action }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout = (stdout + b.toString()).slice(-4096)));
      child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        // The whole group: `sh -c` may have started a pipeline.
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, limit);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new LabFault(`${what} could not start: ${e.message}`, { phase: 'power', cause: e }));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new LabFault(`${what} did not finish within ${limit / 1000} s`, { phase: 'power' }));
        if (code === 0) return resolve(stdout);
        const last = stderr.trim().split('\n').at(-1)?.slice(0, 200);
        reject(new LabFault(`${what} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${last ? `: ${last}` : ''}`, { phase: 'power' }));
      });
    });
  }
}
