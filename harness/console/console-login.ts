import { LoginError } from '../errors.ts';
import type { Deadline } from '../wait/deadline.ts';
import type { ExpectMatch, ExpectOptions, Pattern } from './expect-buffer.ts';

export interface LoginOptions {
  user: string;
  password?: string;
  loginPrompt?: RegExp;
  passwordPrompt?: RegExp;
  shellPrompt?: RegExp;
  /** Bound for each prompt (default 30 s without a deadline); with `deadline` too, the sooner ends it. */
  timeoutMs?: number;
  deadline?: Deadline;
  phase?: string;
}

export const defaultPrompts = {
  login: /login: *$/m,
  password: /[Pp]assword: *$/m,
  shell: /[#$] *$/m,
};

/** What logging in needs of a console. */
export interface LoginConsole {
  readonly name: string;
  skipPending(): void;
  send(text: string, o?: { secret?: boolean }): Promise<void>;
  expect(patterns: Pattern | readonly Pattern[], o: ExpectOptions): Promise<ExpectMatch>;
}

/**
 * Logs in, coping with a console that is already at a shell prompt. Earlier unconsumed text is
 * skipped first so that a stale prompt from before a reboot is not mistaken for the current one.
 */
export async function consoleLogin(con: LoginConsole, o: LoginOptions): Promise<void> {
  const loginPrompt = o.loginPrompt ?? defaultPrompts.login;
  const passwordPrompt = o.passwordPrompt ?? defaultPrompts.password;
  const shellPrompt = o.shellPrompt ?? defaultPrompts.shell;
  const phase = o.phase ?? o.deadline?.phase ?? 'login';
  const wait: ExpectOptions = { deadline: o.deadline, timeoutMs: o.timeoutMs ?? (o.deadline ? undefined : 30_000), phase };
  con.skipPending();
  await con.send('');
  const first = await con.expect([shellPrompt, loginPrompt, passwordPrompt], wait);
  if (first.index === 0) return;
  if (first.index === 2) {
    // A half-finished login from an earlier run: abandon it.
    await con.send('');
    await con.expect(loginPrompt, wait);
  }
  await con.send(o.user);
  const second = await con.expect([shellPrompt, passwordPrompt], wait);
  if (second.index === 0) return;
  await con.send(o.password ?? '', { secret: true });
  const third = await con.expect([shellPrompt, /Login incorrect|incorrect password|Authentication failure/i], wait);
  if (third.index === 1) throw new LoginError(`${con.name}: login as ${o.user} was refused (wrong password in the profile's password source?)`, { phase });
}
