import fs from 'node:fs';
import path from 'node:path';

/**
 * Resolves once `file` exists: a helper process (socat, QEMU) creates it as it starts. Waits on
 * its folder's change events (inotify), checking once after the watch is set so that a file made
 * just before is not missed. Fails at the timeout, or at once when `failed()` says the creator died.
 */
export function waitForPath(file: string, o: { timeoutMs: number; what: string; failed?: () => string | undefined }): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file));
    const done = (err?: Error) => {
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (fs.existsSync(file)) return done();
      const why = o.failed?.();
      if (why) done(new Error(`${o.what}: ${why}`));
    };
    const timer = setTimeout(() => done(new Error(`${o.what}: ${file} did not appear within ${o.timeoutMs} ms${o.failed?.() ? `: ${o.failed()}` : ''}`)), o.timeoutMs);
    watcher.on('change', check);
    watcher.on('error', (e) => done(e));
    check();
  });
}
