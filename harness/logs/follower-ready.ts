import { randomBytes } from 'node:crypto';
import { deadlineOf, type Deadline } from '../wait/deadline.ts';
import { waitUntil } from '../wait/wait-until.ts';

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
   * `deadline` is what is left for it.
   */
  probe(quotedMarker: string, deadline: Deadline): Promise<unknown>;
  timeoutMs?: number;
  deadline?: Deadline;
}): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const marker = `ota-hil-follower-ready-${id}`;
  const quoted = `'ota-hil-follower-''ready-${id}'`;
  const lines: string[] = [];
  const deadline = deadlineOf({ ...o, phase: o.deadline?.phase ?? 'log follower' }, 20_000);
  await waitUntil<void>({
    awaited: `the log follower to print the marker ${marker}`,
    where: o.where,
    deadline,
    lastLines: () => lines,
    watch: (resolve, reject) => {
      let stopped = false;
      let pause: NodeJS.Timeout | undefined;
      const unsubscribe = o.subscribe((line) => {
        lines.push(line);
        if (lines.length > 40) lines.shift();
        if (line.includes(marker)) resolve();
      });
      // The marker is logged again until it shows (a follower that opened its file late missed
      // the first one), at a growing interval: the follower's output is what is awaited.
      const probe = async (interval: number): Promise<void> => {
        if (stopped) return;
        try {
          await o.probe(quoted, deadline);
        } catch (e) {
          return reject(e as Error);
        }
        if (!stopped) pause = setTimeout(() => void probe(Math.min(interval * 2, 1000)), interval);
      };
      void probe(100);
      return () => {
        stopped = true;
        clearTimeout(pause);
        unsubscribe();
      };
    },
  });
}
