import { test, expect } from '@playwright/test';
import { LineSplitter } from './line-splitter.ts';
import { normalizeConsoleText } from '../console/text-normalizer.ts';

/** A deterministic generator, so a failing chunking can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Feeds `bytes` in chunks of 1..maxChunk bytes; returns the lines. */
function split(bytes: Buffer, maxChunk: number, seed: number, o: { maxLineLength?: number } = {}): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), o);
  const rand = prng(seed);
  for (let off = 0; off < bytes.length; ) {
    const n = 1 + Math.floor(rand() * maxChunk);
    s.push(bytes.subarray(off, off + n));
    off += n;
  }
  s.end();
  return lines;
}

test('a 10 MB line arriving in chunks of 1 byte to 4 KiB completes quickly', () => {
  const line = 'x'.repeat(10 * 1024 * 1024);
  const t0 = performance.now();
  const lines = split(Buffer.from(`a\n${line}\r\nb\n`), 4096, 1);
  const ms = performance.now() - t0;
  expect(lines.map((l) => l.length)).toEqual([1, line.length, 1]);
  expect(lines[1] === line).toBe(true);
  expect(ms).toBeLessThan(3000);
});

test('a 1 MB line arriving one byte at a time completes quickly', () => {
  const t0 = performance.now();
  const lines = split(Buffer.from(`${'y'.repeat(1 << 20)}\n`), 1, 2);
  expect(lines.map((l) => l.length)).toEqual([1 << 20]);
  expect(performance.now() - t0).toBeLessThan(5000);
});

test('lines, CRLF, lone CR, escapes and split UTF-8 come out as the whole text normalized, however chunked', () => {
  const text = Buffer.from(
    'plain\nwindows\r\nold mac\rdouble\r\r\n\nempty above\x1b[0;32mgreen\x1b[0m\x1b[6n\r\nünïcödé ✓ 日本\r\n\ttab\x07bell\n' +
      `${'long '.repeat(3000)}\r\nno end`,
  );
  const expected = normalizeConsoleText(text).split('\n');
  for (const [maxChunk, seed] of [[1, 3], [2, 4], [7, 5], [64, 6], [4096, 7]]) {
    expect(split(text, maxChunk, seed), `chunks up to ${maxChunk} bytes`).toEqual(expected.filter((l, i) => l !== '' || i < expected.length - 1));
  }
});

test('maxLineLength keeps the start of a long line and drops the rest up to its end', () => {
  const text = Buffer.from(`${'a'.repeat(100)}${'b'.repeat(10_000)}\nshort\n${'c'.repeat(50)}`);
  for (const maxChunk of [1, 33, 4096]) {
    expect(split(text, maxChunk, 8, { maxLineLength: 100 })).toEqual(['a'.repeat(100), 'short', 'c'.repeat(50)]);
  }
});
