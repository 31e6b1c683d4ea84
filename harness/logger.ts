import pino from 'pino';

// The harness log: JSON lines (pino) to a file per test or run, written synchronously (no
// transport worker: its output would land in the next test). Secrets are redacted by field name
// wherever they appear, as a second line of defence behind code that never logs them.

export interface HarnessLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const noop = () => undefined;
export const silentLogger: HarnessLogger = { info: noop, warn: noop, error: noop, debug: noop };

export const secretFieldNames = ['password', 'userpw', 'auth-string', 'authString', 'token', 'access_token', 'accessToken', 'privateKey', 'passphrase', 'clientSecret', 'authorization'];

/** A logger writing `file`; `close()` ends the file (a test's log is attached after it). */
export function createLogger(file: string, level: pino.Level = 'debug'): pino.Logger & { close(): void } {
  // pino's redact paths: a name with a dash needs bracket form; wildcards reach nested objects.
  const key = (f: string) => (/^\w+$/.test(f) ? f : `["${f}"]`);
  const censored = secretFieldNames.flatMap((f) => [key(f), `*.${key(f)}`, `*.*.${key(f)}`]);
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  const logger = pino({ level, redact: { paths: censored, censor: '[secret]' }, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return Object.assign(logger, { close: () => destination.end() });
}
