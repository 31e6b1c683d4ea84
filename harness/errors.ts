// Every failure the harness raises says which side is at fault: the lab (board unreachable, serial
// gone, nothing happened before a timeout) or the product (validation failed, no slot switch, data
// lost). Nightly reports and gating read `failureClass`; people read the message.

export type FailureClass = 'lab-fault' | 'product-failure';

export function failureClassLine(c: FailureClass): string {
  return c === 'lab-fault' ? 'Failure class: lab fault (the board or the lab, not the product)' : 'Failure class: product failure';
}

/** Reads the class back from a failure message, as reports see it. */
export function failureClassOf(message: string): FailureClass | undefined {
  if (message.includes(failureClassLine('lab-fault'))) return 'lab-fault';
  if (message.includes(failureClassLine('product-failure'))) return 'product-failure';
  return undefined;
}

export interface HilErrorDetails {
  /** The phase of the OTA job the failure happened in (boot, download, validate, install, reboot, confirm, ...). */
  phase?: string;
  cause?: unknown;
}

export class HilError extends Error {
  readonly failureClass: FailureClass;
  readonly phase: string | undefined;

  constructor(failureClass: FailureClass, message: string, details: HilErrorDetails = {}) {
    // The class is also the message's last line: reports read it from there (FAILURE_CLASS_LINE).
    super(`${message}\n${failureClassLine(failureClass)}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.failureClass = failureClass;
    this.phase = details.phase;
  }
}

export class LabFault extends HilError {
  constructor(message: string, details: HilErrorDetails = {}) {
    super('lab-fault', message, details);
  }
}

export class ProductFailure extends HilError {
  constructor(message: string, details: HilErrorDetails = {}) {
    super('product-failure', message, details);
  }
}

/** Renders the tail of a console or log so that a failure explains itself. */
export function formatLastLines(lines: readonly string[], what = 'console lines'): string {
  if (lines.length === 0) return `No ${what} were seen.`;
  return `Last ${lines.length} ${what}:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}

function phasePrefix(phase: string | undefined): string {
  return phase ? `[${phase}] ` : '';
}

export interface WaitTimeoutDetails extends HilErrorDetails {
  awaited: string;
  where: string;
  timeoutMs: number;
  lastLines: readonly string[];
  failureClass?: FailureClass;
  note?: string;
}

/** A wait ran out of time. By default a lab fault: nothing showed that the product misbehaved. */
export class WaitTimeoutError extends HilError {
  readonly awaited: string;
  readonly timeoutMs: number;
  readonly lastLines: readonly string[];

  constructor(d: WaitTimeoutDetails) {
    const head = `${phasePrefix(d.phase)}timed out after ${(d.timeoutMs / 1000).toFixed(1)} s waiting for ${d.awaited} on ${d.where}`;
    const note = d.note ? `\n${d.note}` : '';
    super(d.failureClass ?? 'lab-fault', `${head}${note}\n${formatLastLines(d.lastLines)}`, d);
    this.awaited = d.awaited;
    this.timeoutMs = d.timeoutMs;
    this.lastLines = d.lastLines;
  }
}

/** A line that means the product is broken (kernel panic, HandleValidateOTA(1), ...) arrived while waiting. */
export class DeathLineError extends ProductFailure {
  readonly line: string;
  readonly deathPattern: string;

  constructor(d: { awaited: string; where: string; line: string; deathPattern: string; lastLines: readonly string[]; phase?: string }) {
    super(
      `${phasePrefix(d.phase)}while waiting for ${d.awaited} on ${d.where}, a failure line arrived (matches ${d.deathPattern}):\n  ${d.line}\n${formatLastLines(d.lastLines)}`,
      d,
    );
    this.line = d.line;
    this.deathPattern = d.deathPattern;
  }
}

export class WaitAbortedError extends HilError {
  constructor(awaited: string, where: string, reason: unknown, phase?: string) {
    const why = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
    super('lab-fault', `${phasePrefix(phase)}wait for ${awaited} on ${where} was aborted: ${why}`, { phase, cause: reason });
  }
}

/** The serial console closed for good, or stayed away past a deadline. */
export class ConsoleGoneError extends LabFault {}

/** The board does not answer on SSH, or the connection dropped. */
export class SshUnreachableError extends LabFault {}

/**
 * SSH will not work however long one waits: the private key cannot be read, or the board refuses
 * it. Not retried: a board coming up does not change either.
 */
export class SshAuthError extends LabFault {}

/** The SSH server presented a host key other than the pinned one: a different board, or a re-flashed one. */
export class HostKeyMismatchError extends LabFault {
  constructor(where: string, expected: string, found: string) {
    super(
      `SSH host key of ${where} does not match the pinned one: expected ${expected}, found ${found}. ` +
        'Either this is not the board the profile names, or its host keys were regenerated; update the pinned fingerprint only if you know which.',
    );
  }
}

/** Login on the console failed (wrong credentials or prompts in the profile). */
export class LoginError extends LabFault {}

/** A command run on the board failed in a way that says nothing about the OTA (a lab fault by default). */
export class CommandError extends HilError {
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null, failureClass: FailureClass = 'lab-fault', phase?: string) {
    super(failureClass, message, { phase });
    this.exitCode = exitCode;
  }
}

export function isHilError(e: unknown): e is HilError {
  return e instanceof HilError;
}
