import fs from 'node:fs';
import { httpGet } from './http-get.ts';

/**
 * Downloads a URL to a file as a device does, resuming from the bytes already in the file with a
 * range request (the lab service serves ranges). Streams; memory stays flat. Returns the file size.
 */
export async function downloadFile(url: string, file: string, o: { resume?: boolean; idleTimeoutMs?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<number> {
  const have = o.resume && fs.existsSync(file) ? fs.statSync(file).size : 0;
  let fd: number | undefined;
  let done = 0;
  let total = 0;
  let complete = false;
  try {
    await httpGet(
      new URL(url),
      have ? { range: `bytes=${have}-` } : {},
      {
        head: ({ status, headers }) => {
          if (status === 416 && have) {
            complete = true; // nothing left to fetch
            return false;
          }
          if (status !== 200 && status !== 206) throw new Error(`download of ${url} failed: HTTP ${status}`);
          const append = status === 206;
          total = Number(headers['content-range']?.split('/')[1] ?? headers['content-length'] ?? 0);
          done = append ? have : 0;
          // Written as it arrives, like curl: the page cache absorbs it.
          fd = fs.openSync(file, append ? 'a' : 'w');
          return true;
        },
        body: (chunk) => {
          fs.writeSync(fd!, chunk);
          done += chunk.length;
          o.onProgress?.(done, total);
        },
      },
      { idleTimeoutMs: o.idleTimeoutMs },
    );
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return complete ? have : done;
}
