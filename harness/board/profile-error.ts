import type { z } from 'zod';
import { describeValue } from '../secrets.ts';

/** A profile or inventory that cannot be used; the message lists every problem with its field path. */
export class ProfileError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
    this.name = 'ProfileError';
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** One line per issue: "field.path: expected ..., found ..."; never a secret field's value (secrets.ts). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], hintForMissing?: (path: string) => string | undefined): string[] {
  return issues.map((i) => {
    const where = fieldPath(i.path);
    const input = (i as { input?: unknown }).input;
    if (i.code === 'unrecognized_keys') return `${where}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')} (misspelt? see the profile schema)`;
    let expected = i.message;
    if (i.code === 'invalid_type' && expected.startsWith('Invalid input')) expected = `expected ${i.expected}`;
    if (i.code === 'invalid_value' && expected.startsWith('Invalid option')) expected = `expected one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    if (i.code === 'invalid_union' && 'discriminator' in i && i.discriminator) {
      return `${where}: ${expected}, found ${describeValue((input as Record<string, unknown> | undefined)?.[i.discriminator as string], [...i.path, i.discriminator as string])}`;
    }
    // A check over several values says itself what it found ("rollback twice").
    if (i.code === 'custom' && typeof i.params?.found === 'string') return `${where}: ${expected}, found ${i.params.found}`;
    if (i.code === 'too_small' && expected.startsWith('Too small')) expected = `expected ${i.origin === 'string' ? 'at least' : '>='} ${i.minimum}${i.origin === 'string' ? ' characters' : ''}`;
    if (i.code === 'too_big' && expected.startsWith('Too big')) expected = `expected at most ${i.maximum}`;
    if (input === undefined) {
      const hint = hintForMissing?.(where);
      return `${where}: missing; ${expected}${hint ? ` (${hint})` : ''}`;
    }
    return `${where}: ${expected}, found ${describeValue(input, i.path)}`;
  });
}
