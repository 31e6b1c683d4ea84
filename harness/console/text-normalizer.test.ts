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
