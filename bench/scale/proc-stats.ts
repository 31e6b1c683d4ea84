import fs from 'node:fs';

// What a process costs, from /proc: CPU time (utime + stime) and memory (VmRSS, VmHWM, and Pss,
// which shares the pages several processes map, such as node's own code, out between them).

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds used by each process so far; a process gone counts 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat(5), counted after "pid (comm) "
    } catch {
      // gone
    }
  }
  return ticks / TICKS_PER_S;
}

export interface Memory {
  rssMiB: number;
  hwmMiB: number;
  pssMiB: number;
}

const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);

export function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  let pss = 0;
  try {
    pss = kib(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
  } catch {
    // not offered by this kernel
  }
  return { rssMiB: kib(status, 'VmRSS') / 1024, hwmMiB: kib(status, 'VmHWM') / 1024, pssMiB: pss / 1024 };
}

/** The command line of a process, or '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Utilisation of one core (%) between two readings of CPU seconds `wallMs` apart. */
export const pctOfCore = (cpuS: number, wallMs: number): number => Math.round((cpuS / (wallMs / 1000)) * 1000) / 10;

/** Time the processes spent runnable but waiting for a CPU so far (ms; /proc/<pid>/schedstat, second field). */
export function runQueueWaitMs(pids: readonly number[]): number {
  let ns = 0;
  for (const pid of pids) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // gone, or no scheduler statistics in this kernel
    }
  }
  return ns / 1e6;
}
