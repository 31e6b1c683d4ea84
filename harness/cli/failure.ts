import { CommanderError } from 'commander';
import { ConfError } from '../ota/partner-conf.ts';
import { ImageFileError } from '../ota/post-file.ts';
import { ProfileError } from '../board/profile-error.ts';
import { HilError, failureClassLine } from '../errors.ts';
import { redact } from '../secrets.ts';

// How a failed `hil` command ends: one line on stderr that says what was wrong, and an exit code
// that follows from the error's type, never from its text (README, "The hil command"):
//   0 done, 1 a check failed or the service refused (a product failure, or a state the command
//   cannot go on from), 2 bad input (option, file, profile, configuration), 3 a lab fault (the
//   OTA service or the board could not be reached, did not answer in time, or failed).

export const EXIT = { ok: 0, failed: 1, badInput: 2, labFault: 3 } as const;

/** Bad input that no parser caught: an option's value, a file's contents. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command cannot go on from the state it found (the record exists already, ...). */
export class StateError extends Error {
  override name = 'StateError';
}

// Node's errors about a local file or address the user named: bad input, not a bug.
const inputErrnos = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EADDRINUSE', 'EADDRNOTAVAIL']);

type Errno = NodeJS.ErrnoException & { address?: string; port?: number };

function isErrno(e: unknown): e is Errno {
  return e instanceof Error && typeof (e as Errno).code === 'string' && typeof (e as Errno).syscall === 'string';
}

/** Errors whose message already says what input was wrong and what was expected. */
const isBadInput = (e: unknown): boolean => e instanceof UsageError || e instanceof ConfError || e instanceof ProfileError || e instanceof ImageFileError;

export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  if (isBadInput(e)) return EXIT.badInput;
  if (e instanceof HilError) return e.failureClass === 'lab-fault' ? EXIT.labFault : EXIT.failed;
  if (e instanceof StateError) return EXIT.failed;
  if (isErrno(e) && inputErrnos.has(e.code!)) return EXIT.badInput;
  return EXIT.failed;
}

/** A Node system error told in the user's terms: what was used, and what to do. */
function errnoMessage(e: Errno): string {
  const where = e.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : undefined;
  if (e.syscall === 'listen' && where) {
    if (e.code === 'EADDRINUSE') return `cannot listen on ${where}: ${where} is in use (--port: choose another port, or stop what listens there)`;
    return `cannot listen on ${where}: ${e.code} (--host/--port: expected an address of this machine and a port you may use)`;
  }
  if (e.path) return `${e.path}: ${e.code} (${e.syscall})`;
  return e.message;
}

/** The text to print for a failure (without the "hil <command>: " prefix); a stack only on request. */
export function failureText(e: unknown, o: { debug?: boolean } = {}): string {
  let text: string;
  if (e instanceof HilError) {
    // The class, for a person, on the first line; reports read it from the error itself.
    const body = e.message.replace(`\n${failureClassLine(e.failureClass)}`, '');
    const [first, ...rest] = body.split('\n');
    text = [`${first} [${e.failureClass === 'lab-fault' ? 'lab fault' : 'product failure'}]`, ...rest].join('\n');
  } else if (isErrno(e)) {
    text = errnoMessage(e);
  } else if (e instanceof Error) {
    text = isBadInput(e) || e instanceof StateError ? e.message : `unexpected ${e.name}: ${e.message}${o.debug ? '' : ' (run with --debug for the stack)'}`;
  } else {
    text = `unexpected failure: ${String(e)}`;
  }
  if (o.debug && e instanceof Error && e.stack) text += `\n${e.stack.split('\n').slice(1).join('\n')}`;
  return redact(text);
}
