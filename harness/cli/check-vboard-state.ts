import fs from 'node:fs';
import path from 'node:path';
import { vboardRunDir } from '../vboard/run-state.ts';
import { UsageError } from './failure.ts';

/**
 * A virtual board's state.json that cannot be parsed (a crash mid-write by an older keeper, a
 * hand edit) is named with what to do, before `hil vboard` reads it (run-state's reader would
 * only say "Unexpected token").
 */
export function checkVboardStateFile(root: string, name: string): void {
  const file = path.join(vboardRunDir(root, name), 'state.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return; // absent: no board of that name; unreadable: the reader says so
  }
  try {
    const s = JSON.parse(text) as { pid?: unknown };
    if (typeof s === 'object' && s !== null && Number.isInteger(s.pid)) return;
  } catch {
    // told below
  }
  throw new UsageError(`${file}: expected the JSON state of a virtual board (written by \`hil vboard up\`), found something else; remove ${path.dirname(file)} and start the board again`);
}
