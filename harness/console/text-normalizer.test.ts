import { test, expect } from '@playwright/test';
import { ConsoleTextNormalizer, normalizeConsoleText } from './text-normalizer.ts';

test('CRLF, CR CR LF and a lone CR each end one line', () => {
  expect(normalizeConsoleText('a\r\nb\r\r\nc\rd\ne')).toBe('a\nb\nc\nd\ne');
});

test('escape sequences vanish, whole or split over chunks', () => {
  const n = new ConsoleTextNormalizer();
  const parts = ['root@board:~# \x1b', '[6', 'n', 'ls \x1b]0;title\x07done \x1b(Bok\x1b[1;32mgreen\x1b[0m'];
  expect(parts.map((p) => n.pushText(p)).join('')).toBe('root@board:~# ls done okgreen');
});

test('a CR at the end of one chunk and LF at the start of the next make one break', () => {
  const n = new ConsoleTextNormalizer();
  expect(n.pushText('line\r') + n.pushText('\nnext') + n.flush()).toBe('line\nnext');
});

test('a UTF-8 character split over two reads decodes once', () => {
  const n = new ConsoleTextNormalizer();
  const bytes = Buffer.from('µs\n');
  expect(n.push(bytes.subarray(0, 1)) + n.push(bytes.subarray(1))).toBe('µs\n');
});

test('any split of the same bytes into chunks gives the same text as reading it whole', () => {
  const pieces = ['abc', '\r\n', '\r', '\n', '\x1b[6n', '\x1b[1;32m', '\x1b]0;t\x07', '\x1b(B', 'µ', '\x07', '\t', 'login: ', '# '];
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let round = 0; round < 200; round++) {
    const bytes = Buffer.from(Array.from({ length: 40 }, () => pieces[rnd(pieces.length)]).join(''));
    const whole = normalizeConsoleText(bytes);
    const n = new ConsoleTextNormalizer();
    let chunked = '';
    for (let i = 0; i < bytes.length; ) {
      const len = 1 + rnd(7);
      chunked += n.push(bytes.subarray(i, i + len));
      i += len;
    }
    chunked += n.flush();
    expect(chunked, JSON.stringify(bytes.toString())).toBe(whole);
    expect(whole).not.toMatch(/[\x1b\r\x07]/);
  }
});
