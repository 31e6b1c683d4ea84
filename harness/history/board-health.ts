import { digestRun, type RunDigest } from './run-digest.ts';
import type { RunRecord } from './run-record.ts';

// Lab faults per board over time. A sick board is one with lab faults on at least 3 of its last
// 10 nights (and on at least 30 % of them): one bad night is the lab's weather, a streak is the
// board (or its cable, its power, its slot in the rack).

export const RECENT_NIGHTS = 10;
const SICK_MIN_NIGHTS = 3;
const SICK_MIN_SHARE = 0.3;

export interface BoardHealth {
  boardId: string;
  boardType: string;
  /** Lab faults per run index (into the runs given), for the runs the board took part in. */
  labFaultsByRun: Map<number, number>;
  /** Of the board's last RECENT_NIGHTS runs: how many, and how many had a lab fault. */
  recentNights: number;
  recentLabFaultNights: number;
  totalLabFaults: number;
  sick: boolean;
}

/** Every board that ran in `runs` (oldest first), sick ones first, then by id. */
export function boardHealth(runs: readonly RunRecord[]): BoardHealth[] {
  return boardHealthOf(runs.map(digestRun));
}

/** The same from the runs' digests. */
export function boardHealthOf(runs: readonly RunDigest[]): BoardHealth[] {
  const boards = new Map<string, BoardHealth>();
  runs.forEach((run, i) => {
    for (const n of run.boards) {
      let b = boards.get(n.boardId);
      if (!b) boards.set(n.boardId, (b = { boardId: n.boardId, boardType: n.boardType, labFaultsByRun: new Map(), recentNights: 0, recentLabFaultNights: 0, totalLabFaults: 0, sick: false }));
      b.labFaultsByRun.set(i, n.labFaults);
      b.totalLabFaults += n.labFaults;
    }
  });
  for (const b of boards.values()) {
    const recent = [...b.labFaultsByRun.values()].slice(-RECENT_NIGHTS);
    b.recentNights = recent.length;
    b.recentLabFaultNights = recent.filter((n) => n > 0).length;
    b.sick = b.recentLabFaultNights >= SICK_MIN_NIGHTS && b.recentLabFaultNights >= SICK_MIN_SHARE * b.recentNights;
  }
  return [...boards.values()].sort((a, b) => Number(b.sick) - Number(a.sick) || a.boardId.localeCompare(b.boardId));
}

export function healthWords(b: BoardHealth): string {
  return `lab faults on ${b.recentLabFaultNights} of its last ${b.recentNights} nights`;
}
