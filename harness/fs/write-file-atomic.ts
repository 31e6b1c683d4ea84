import fs from 'node:fs';
import crypto from 'node:crypto';

/** Temporary files of writeFileAtomic are named `<file>.<pid>.<8 hex>.tmp`: one left by a crash matches this. */
export const atomicTmpPattern = /\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Writes a file so that a reader sees the old content or the new, never half of it (write, fsync,
 * rename). On any failure (a full disk) it throws, the old content stays, and no temporary file is left.
 */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeFileSync(fd, data); // loops over short writes; a single writeSync would not
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
