import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { BoardDisk } from './run-state.ts';

// `hil vboard reimage`: a kept board's disk back to the pristine built image, as a lab flashes a
// bricked board. A twin's raw disk is rewritten in place (same inode): its QEMU, powered off but
// still running, keeps the file open and reads the new content at the next power on. The copy is
// sparse (and a reflink where the filesystem has them): a 1 GiB twin disk takes well under a second.
// The plain board's qcow2 overlay is made anew on the pristine image.

/** Restores the disk; returns how long it took (ms). The caller makes sure QEMU is not running. */
export function restoreDisk(disk: BoardDisk): number {
  if (!fs.existsSync(disk.pristine)) {
    throw new Error(`the pristine image ${disk.pristine} is gone (the board's build changed since it started): \`hil vboard down\`, then \`hil vboard up\` again`);
  }
  const t0 = performance.now();
  if (disk.format === 'raw') execFileSync('cp', ['--sparse=always', '--reflink=auto', disk.pristine, disk.file], { stdio: ['ignore', 'ignore', 'pipe'] });
  else execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', disk.pristine, disk.file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return performance.now() - t0;
}
