import { randomBytes } from 'node:crypto';
import { CommandError, WaitAbortedError, WaitTimeoutError } from '../errors.ts';
import { deadlineOf, type Deadline } from '../wait/deadline.ts';
import type { ExpectMatch, ExpectOptions, Pattern } from './expect-buffer.ts';

export interface RunOptions {
  /** The command's own bound (default 30 s without a deadline); with `deadline` too, the sooner ends it. */
  timeoutMs?: number;
  deadline?: Deadline;
  phase?: string;
  /** Throw a CommandError on a non-zero exit status. */
  check?: boolean;
}

export interface RunResult {
  output: string;
  exitCode: number;
}

/** What running commands needs of a console. */
export interface ShellConsole {
  readonly name: string;
  send(text: string): Promise<void>;
  sendRaw(data: string): Promise<void>;
  expect(patterns: Pattern | readonly Pattern[], o: ExpectOptions): Promise<ExpectMatch>;
}

const CTRL_C = '\x03';
/** Time to get the prompt back after interrupting a command. */
const RESYNC_MS = 5000;

/** A unique marker and the shell word that prints it: split by quotes, so the echo of the command never matches. */
function marker(kind: string): { text: string; word: string } {
  const id = randomBytes(4).toString('hex');
  return { text: `@@HIL-${kind}-${id}`, word: `'@@HIL-${kind}-''${id}'` };
}

/**
 * Commands on a console's shell, one at a time; output and exit status found by unique markers.
 * A command that outlives its wait is interrupted (Ctrl-C) and the shell resynchronised (a fresh
 * marker echoed back) before the next command, which would otherwise be typed into it.
 */
export class ConsoleShell {
  private lock: Promise<unknown> = Promise.resolve();
  private inSync = true;

  constructor(private readonly con: ShellConsole) {}

  run(command: string, o: RunOptions = {}): Promise<RunResult> {
    const next = this.lock.then(() => this.runUnlocked(command, o));
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async runUnlocked(command: string, o: RunOptions): Promise<RunResult> {
    const phase = o.phase ?? o.deadline?.phase;
    const deadline = deadlineOf({ deadline: o.deadline, timeoutMs: o.timeoutMs, phase }, 30_000);
    if (!this.inSync) await this.resync(deadline);
    const begin = marker('B');
    const end = marker('E');
    const wait = { deadline, phase };
    await this.con.send(`printf '%s\\n' ${begin.word}; ${command}; printf '\\n%s:%d\\n' ${end.word} $?`);
    let done: ExpectMatch;
    try {
      await this.con.expect(`${begin.text}\n`, wait);
      done = await this.con.expect(new RegExp(`${end.text}:(\\d+)\n`), wait);
    } catch (e) {
      if (e instanceof WaitTimeoutError || e instanceof WaitAbortedError) await this.interrupt();
      throw e;
    }
    // Drop the newline the end marker's printf adds, and the output's own final newline.
    const output = done.before.replace(/\n$/, '').replace(/\n$/, '');
    const exitCode = Number(done.captures[0]);
    if (o.check && exitCode !== 0) {
      throw new CommandError(`${this.con.name}: "${command}" exited with status ${exitCode}:\n${output.split('\n').slice(-20).join('\n')}`, exitCode, 'lab-fault', phase);
    }
    return { output, exitCode };
  }

  /** Stops the command still running, and gets the prompt back; if that fails, the next run tries again. */
  private async interrupt(): Promise<void> {
    this.inSync = false;
    try {
      await this.con.sendRaw(CTRL_C);
      await this.resync(undefined);
    } catch {
      // The console is gone or the shell does not answer: the next run resynchronises first.
    }
  }

  /** Echoes a fresh marker and consumes everything up to it: what the shell printed before is left behind. */
  private async resync(deadline: Deadline | undefined): Promise<void> {
    const sync = marker('S');
    await this.con.send(`printf '%s\\n' ${sync.word}`);
    await this.con.expect(`${sync.text}\n`, { deadline, timeoutMs: RESYNC_MS, phase: deadline?.phase ?? 'console resync' });
    this.inSync = true;
  }
}
