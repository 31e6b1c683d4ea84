// Reads a JUnit XML report (Playwright's, or any runner's close to it) into test cases: the
// project (board type) from the "[project] " prefix of the name or the suite's hostname, the
// annotations from <properties>, the result, the failure's message and text. Tolerant: unknown
// elements and attributes are passed over; what it cannot read is named with the file.

export interface JunitCase {
  project?: string;
  /** The title path below the file ("describe › title"), without the project prefix. */
  title: string;
  file?: string;
  status: 'passed' | 'failed' | 'skipped';
  timeS: number;
  properties: { name: string; value: string }[];
  /** The failure's message attribute and text (CDATA). */
  failure?: string;
}

export interface JunitReport {
  /** The earliest suite timestamp: when the run began. */
  startedAt?: Date;
  cases: JunitCase[];
}

export class JunitError extends Error {
  override name = 'JunitError';
}

const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<[?!][^>]*>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g;
const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const decode = (s: string): string => s.replace(ENTITY, (_, hex, dec, name) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : named[name]));

function attributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(ATTR)) out[m[1]] = decode(m[2] ?? m[3]);
  return out;
}

export function readJunit(xml: string, file: string): JunitReport {
  const cases: JunitCase[] = [];
  let startedAt: Date | undefined;
  let suiteHost: string | undefined;
  let current: JunitCase | undefined;
  let inFailure = false;
  let sawRoot = false;
  for (const m of xml.matchAll(TOKEN)) {
    const [, cdata, close, name, attrs, selfClose, text] = m;
    if (cdata !== undefined || text !== undefined) {
      if (current && inFailure) current.failure = `${current.failure ?? ''}${cdata ?? decode(text!)}`;
      continue;
    }
    if (!name) continue;
    if (close) {
      if (name === 'testcase') current = undefined;
      if (name === 'failure' || name === 'error') inFailure = false;
      continue;
    }
    const a = attributes(attrs ?? '');
    if (name === 'testsuites' || name === 'testsuite') sawRoot = true;
    if (name === 'testsuite') {
      suiteHost = a.hostname;
      const t = a.timestamp ? new Date(a.timestamp) : undefined;
      if (t && !Number.isNaN(t.getTime()) && (!startedAt || t < startedAt)) startedAt = t;
    } else if (name === 'testcase') {
      if (a.name === undefined) throw new JunitError(`${file}: a <testcase> without a name attribute`);
      const prefixed = /^\[([^\]]+)\] (.*)$/s.exec(a.name);
      const time = Number(a.time);
      current = { project: prefixed?.[1] ?? suiteHost, title: prefixed?.[2] ?? a.name, file: a.classname, status: 'passed', timeS: Number.isFinite(time) ? time : 0, properties: [] };
      cases.push(current);
      if (selfClose) current = undefined;
    } else if (current && name === 'property') {
      current.properties.push({ name: a.name ?? '', value: a.value ?? '' });
    } else if (current && (name === 'failure' || name === 'error')) {
      current.status = 'failed';
      current.failure = `${a.message ?? ''}\n`;
      inFailure = !selfClose;
    } else if (current && name === 'skipped') {
      current.status = 'skipped';
    }
  }
  if (!sawRoot) throw new JunitError(`${file}: not a JUnit report (expected <testsuites> or <testsuite>)`);
  return { startedAt, cases };
}
