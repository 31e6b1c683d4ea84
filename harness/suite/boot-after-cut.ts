import type { Board } from '../board/board.ts';
import { formatLastLines, ProductFailure, WaitTimeoutError } from '../errors.ts';
import type { OtaEvent } from '../logs/parse.ts';
import type { Deadline } from '../wait/deadline.ts';

// Power back on after a deliberate cut and wait for a shell. The cut was the test, so a board
// whose console shows it starting (bootloader or kernel lines) yet reaching no login prompt in
// time was left without a working system by it: the product's failure. A console that stays
// silent says nothing of the product (power or serial gone) and remains the lab's fault.

export async function bootAfterCut(board: Board, deadline: Deadline): Promise<void> {
  const from = board.events.events.length;
  await board.powerOn();
  try {
    await board.waitForShell(deadline);
  } catch (e) {
    throw noShellAfterCut(e, board.events.events.slice(from));
  }
}

/** The error to raise for a board that reached no shell after a cut, given its OTA events since power-on. */
export function noShellAfterCut(e: unknown, sincePowerOn: readonly OtaEvent[]): unknown {
  if (!(e instanceof WaitTimeoutError)) return e;
  const starts = sincePowerOn.filter((ev) => ev.kind === 'bootloader' || ev.kind === 'kernel-boot');
  if (starts.length === 0) return e;
  const phase = e.phase ? `[${e.phase}] ` : '';
  return new ProductFailure(
    `${phase}after the power cut the board started (${starts.length} bootloader or kernel start${starts.length === 1 ? '' : 's'}; last: "${starts.at(-1)!.line}") but reached no login prompt in ${(e.timeoutMs / 1000).toFixed(1)} s: the cut left it without a working system\n${formatLastLines(e.lastLines)}`,
    { phase: e.phase, cause: e },
  );
}
