import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { checkName } from '../vboard/run-state.ts';

// Option values checked as commander parses them: a bad one ends the command before it starts,
// with commander's line "option '--port <port>' argument 'abc' is invalid. expected ...".
// Each returns the value as the commands take it (a string), so their signatures stay as they are.

/** --port: 0 lets the system pick a free port (tests and benchmarks use it). */
export function portOption(v: string): string {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('expected a TCP port (a whole number 0..65535; 0: any free port).');
  return String(Number(v));
}

/** --year: syslog timestamps carry none. */
export function yearOption(v: string): string {
  if (!/^\d{4}$/.test(v)) throw new InvalidArgumentError('expected a 4-digit year (2026).');
  return v;
}

/** A duration in seconds (fractions allowed), above 0 and below what a Node timer can hold. */
export function secondsOption(v: string): string {
  const s = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || s <= 0 || s * 1000 > 2 ** 31 - 1) throw new InvalidArgumentError('expected a number of seconds (above 0, at most 2147483).');
  return v;
}

/** A file that exists and can be read, checked now rather than deep inside the command. */
export function readableFileOption(v: string): string {
  try {
    if (!fs.statSync(v).isFile()) throw new InvalidArgumentError('expected a readable file, found a directory or a device.');
    fs.accessSync(v, fs.constants.R_OK);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw e;
    throw new InvalidArgumentError(`expected a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  return v;
}

/** --name of a virtual board: the rule is run-state's (the name becomes a folder). */
export function boardNameOption(v: string): string {
  try {
    checkName(v);
  } catch {
    throw new InvalidArgumentError('expected lower-case letters, digits and dashes (1 to 31, not starting with a dash).');
  }
  return v;
}

/** An http(s) URL (the OTA service a virtual board talks to). */
export function httpUrlOption(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL (http://127.0.0.1:8480).');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('expected an http(s) URL (http://127.0.0.1:8480).');
  if (u.username || u.password) throw new InvalidArgumentError('expected a URL without user:password@.');
  return v;
}
