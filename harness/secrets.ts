// Secrets (passwords, auth strings, tokens) never appear in logs, errors or reports. Every error
// path that may show a value from a file, a URL or a service's answer passes it through here.

export const REDACTED = '<redacted>';

// A field whose name ends so holds a secret: password, userpw, auth-string, access_token,
// clientSecret, authorization... (not passwordPrompt: the end of the name counts).
const SECRET_KEY = /(password|passwd|passphrase|userpw|secret|token|auth-?string|authorization|credentials?)$/i;

export function isSecretKey(key: PropertyKey): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key);
}

/** True when any field on the path holds a secret (login.password, password.env is not one: its parent is). */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some(isSecretKey);
}

/** A URL without its user:password@ part. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Text with secrets removed: the given secret values (3 characters or more: a shorter one would
 * blank out ordinary text), user:password@ in URLs, Basic/Bearer credentials, and the values of
 * secret-named fields in JSON ("userpw": "...") and in forms (password=...).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.replace(new RegExp(escapeRegExp(s), 'g'), REDACTED);
  return out
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi, `$1${REDACTED}@`)
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/g, `$1 ${REDACTED}`)
    .replace(/("([^"\\]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (m, head: string, key: string) => (isSecretKey(key) ? `${head}"${REDACTED}"` : m))
    .replace(/\b([A-Za-z_-]+)=([^&\s"'()<>,;]+)/g, (m, key: string) => (isSecretKey(key) ? `${key}=${REDACTED}` : m));
}

/**
 * A short description of a value for "found ..." in an error: strings shortened and redacted,
 * objects and lists by their shape only (their fields may hold secrets), and a plain value on a
 * secret field's path not at all.
 */
export function describeValue(v: unknown, path: readonly PropertyKey[] = []): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return `an object with ${Object.keys(v).join(', ') || 'no fields'}`;
  if (isSecretPath(path)) return `a value that is not shown (a ${typeof v}: it may be a secret)`;
  if (typeof v === 'string') {
    const s = redact(v);
    return `${JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s)} (a string)`;
  }
  return `${String(v)} (a ${typeof v})`;
}
