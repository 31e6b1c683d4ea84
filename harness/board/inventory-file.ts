import fs from 'node:fs';
import { ProfileError } from './profile-error.ts';

// The lab inventory file, read in one place for all who read it (a board type's lab values and
// lab section here, the rack's boards in harness/rack/rack-inventory.ts): a file that cannot be
// read or parsed is refused in the same words whichever reads it, as a ProfileError naming the
// file; what each reader then finds wrong in a field, it reports in the same error, by field path.

/** A JSON object: the inventory itself and each of its entries. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * V8 quotes the text around a syntax error ('Unexpected token 'h', "{"a": hunter2}" is not valid
 * JSON'); an inventory's commands may carry credentials, so the quote is left out.
 */
const withoutQuotedText = (message: string) => message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');

/** The inventory file's content, parsed; nothing in it is checked yet. */
export function readInventoryFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProfileError(file, [`cannot read the lab inventory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProfileError(file, [`the lab inventory is not valid JSON: ${withoutQuotedText((e as Error).message)}`]);
  }
}
