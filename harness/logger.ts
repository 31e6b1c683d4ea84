import pino from 'pino';
import { prettyFactory } from 'pino-pretty';

// The harness log: JSON lines (pino) to a file per test or run, written synchronously (no
// transport worker: its output would land in the next test). Secrets are redacted by field name
// wherever they appear, as a second line of defence behind code that never logs them. A person
// watching a run also sees it live on the terminal, rendered by pino-pretty: board, phase, OTA
// event, time since the start. The file stays JSON.

export interface HarnessLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const noop = () => undefined;
export const silentLogger: HarnessLogger = { info: noop, warn: noop, error: noop, debug: noop };

export const secretFieldNames = ['password', 'userpw', 'auth-string', 'authString', 'token', 'access_token', 'accessToken', 'privateKey', 'passphrase', 'clientSecret', 'authorization'];

/**
 * Whether the log is shown live: HIL_LOG=pretty shows it, any other value (json, off) does not;
 * unset, a terminal on stdout decides. playwright.config.ts sets HIL_LOG=pretty for its workers
 * when the run itself is on a terminal (a worker's stdout is a pipe to the runner).
 */
export function wantsLiveLog(env: NodeJS.ProcessEnv = process.env, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return env.HIL_LOG !== undefined ? env.HIL_LOG === 'pretty' : !!stdout.isTTY;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * Renders harness log lines (JSON text) for people: `12:01:02.345 +75.2s INFO sama5d2 [download] ota event ota-allowed`,
 * the other fields on the same line. `start`: the time elapsed is counted from (default: the first line's).
 * A line that is not JSON is returned as it is.
 */
export function harnessLogPrettifier(o: { colorize?: boolean; start?: number } = {}): (line: string) => string {
  let start = o.start;
  const pretty = prettyFactory({
    colorize: o.colorize ?? false,
    singleLine: true,
    translateTime: false,
    ignore: 'board,phase,kind',
    customPrettifiers: {
      time: (t) => {
        const at = typeof t === 'number' ? t : Date.parse(String(t));
        if (Number.isNaN(at)) return String(t);
        start ??= at;
        const d = new Date(at);
        return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')} +${((at - start) / 1000).toFixed(1)}s`;
      },
    },
    messageFormat: (log, messageKey) => {
      const where = [log.board, log.phase ? `[${String(log.phase)}]` : ''].filter(Boolean).join(' ');
      const what = log.kind ? `${String(log[messageKey] ?? '')} ${String(log.kind)}` : String(log[messageKey] ?? '');
      return where ? `${where} ${what}` : what;
    },
  });
  return (line) => pretty(line);
}

/**
 * The live view as a pino stream: each line rendered and written at once, in this thread, to the
 * process's stdout (in a Playwright worker, the runner gives it to the running test). pino-pretty's
 * own stream form pipes through Node streams, which may hand a line on after the test has ended.
 */
function liveStream(start: number): pino.DestinationStream {
  const render = harnessLogPrettifier({ colorize: !!process.stdout.isTTY, start });
  return { write: (line: string) => void process.stdout.write(render(line)) };
}

/**
 * A logger writing `file`; `close()` ends the file (a test's log is attached after it).
 * `o.live`: also show it on the terminal, from `info` up (the board fixture passes wantsLiveLog()).
 */
export function createLogger(file: string, level: pino.Level = 'debug', o: { live?: boolean } = {}): pino.Logger & { close(): void } {
  // pino's redact paths: a name with a dash needs bracket form; wildcards reach nested objects.
  const key = (f: string) => (/^\w+$/.test(f) ? f : `["${f}"]`);
  const censored = secretFieldNames.flatMap((f) => [key(f), `*.${key(f)}`, `*.*.${key(f)}`]);
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  const stream = o.live ? pino.multistream([{ level, stream: destination }, { level: 'info', stream: liveStream(Date.now()) }]) : destination;
  const logger = pino({ level, redact: { paths: censored, censor: '[secret]' }, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  return Object.assign(logger, { close: () => destination.end() });
}
