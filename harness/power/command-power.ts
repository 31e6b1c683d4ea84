import { LabFault } from '../errors.ts';
import { programOf, runLabCommand } from './shell-command.ts';
import { offThenOn, type PowerDriver, type PowerState } from './power-driver.ts';

// Power switched by shell commands, as labs drive uhubctl, usbrelay, sispmctl, snmpset or
// PDUDaemon (Yocto's TEST_POWERCONTROL_CMD): `on`, `off`, an optional `cycle` (else off, then on)
// and an optional `status` printing "on" or "off". Each runs bounded (./shell-command.ts); errors
// name the action and the program, never the whole command line.

export interface PowerCommands {
  on: string;
  off: string;
  cycle?: string;
  status?: string;
  /** Limit for one command, in ms (default 30 s). */
  timeoutMs?: number;
}

type Action = 'on' | 'off' | 'cycle' | 'status';

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

  async off(): Promise<void> {
    await this.run('off');
  }

  /** Off at once: to a relay or PDU outlet, off is a power cut. */
  async cut(): Promise<void> {
    await this.off();
  }

  async cycle(): Promise<void> {
    if (this.commands.cycle) await this.run('cycle');
    else await offThenOn(this);
  }

  /** The power state the `status` command prints ("on" or "off"); undefined without one. */
  async status(): Promise<PowerState | undefined> {
    if (!this.commands.status) return undefined;
    const out = (await this.run('status')).trim().toLowerCase();
    const word = /^\S*/.exec(out)![0];
    if (word !== 'on' && word !== 'off') throw new LabFault(`power status (${programOf(this.commands.status)}): expected it to print "on" or "off", it printed ${JSON.stringify(out.slice(0, 80))}`, { phase: 'power' });
    return word;
  }

  /** The board stays as it is: the lab owns its power between runs. */
  async release(): Promise<void> {}

  private run(action: Action): Promise<string> {
    return runLabCommand({ command: this.commands[action]!, what: `power ${action}`, timeoutMs: this.commands.timeoutMs ?? 30_000, env: { ...this.env, HIL_POWER_ACTION: action }, phase: 'power' });
  }
}
