import fs from 'node:fs';
import os from 'node:os';
import type { Holder } from './lease-store.ts';

// On one host a store can tell at once that a lease's holder is gone, as tbot checks a lock's
// owner pid: the process no longer exists, or is a zombie, or its pid now belongs to a process
// that started later. Pids are only comparable within one kernel boot and one pid namespace, so a
// lease records both (its "host key"); a lease taken elsewhere is left to its TTL.

/** This kernel boot and pid namespace: leases with the same key have comparable pids. */
export function hostKey(): string {
  const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return `${boot}/${fs.readlinkSync('/proc/self/ns/pid')}`;
}

/** A process's start time (clock ticks after boot); undefined when it is gone or a zombie. */
export function processStart(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (in parentheses, which may hold spaces): state is field 3, starttime 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return Number(fields[19]);
}

/** True when the process that took a lease (pid and start time) has ended. */
export function holderGone(pid: number, start: number): boolean {
  return processStart(pid) !== start;
}

export function thisHolder(job: string): Holder {
  return { host: os.hostname(), pid: process.pid, job };
}
