import { randomBytes } from 'node:crypto';
import { WaitTimeoutError } from '../errors.ts';

/**
 * A log follower (tail -F, logread -f) misses whatever is logged before it has opened its input,
 * and nothing says when that is. So: log a unique marker through the board's logger and wait for
 * it to come out of the follower; repeat the marker until it does. Only then is it safe to push an
 * update and expect to see its lines.
 */
export async function awaitFollowerReady(o: {
  where: string;
  subscribe(onLine: (line: string) => void): () => void;
  /**
   * Runs the probe command with the marker in it (e.g. `logger -t ota-hil MARKER`). The marker is
   * given as a shell word split by quotes, so that a console's echo of the command never matches.
   */
  probe(quotedMarker: string): Promise<unknown>;
  timeoutMs?: number;
}): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const marker = `ota-hil-follower-ready-${id}`;
  const quoted = `'ota-hil-follower-''ready-${id}'`;
  const timeoutMs = o.timeoutMs ?? 20_000;
  const lines: string[] = [];
  let seen = false;
  let wake: () => void = () => undefined;
  const unsubscribe = o.subscribe((line) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
    if (line.includes(marker)) {
      seen = true;
      wake();
    }
  });
  const deadline = Date.now() + timeoutMs;
  let interval = 100;
  try {
    while (!seen) {
      if (Date.now() > deadline) {
        throw new WaitTimeoutError({ awaited: `the log follower to print the marker ${marker}`, where: o.where, timeoutMs, lastLines: lines, phase: 'log follower' });
      }
      await o.probe(quoted);
      await new Promise<void>((resolve) => {
        wake = resolve;
        const t = setTimeout(resolve, interval);
        t.unref();
      });
      interval = Math.min(interval * 2, 1000);
    }
  } finally {
    unsubscribe();
  }
}
