import { test, expect } from '@playwright/test';
import { parseLine } from '../logs/parse.ts';
import { ConsoleReplay, readStamp, seededRandom, stampLine } from './console-replay.ts';

const happyPath = [
  'ota-allowed', 'download-start', 'download-done', 'image-received', 'sha-start', 'sha-generated', 'verify-start', 'verify-done',
  'validated', 'upgrade-path-set', 'otamgr-notified', 'sysupgrade-invoked', 'reboot', 'reboot', 'reboot', 'bootloader', 'bootloader',
  'kernel-boot', 'running-version',
];

test('every written line gets the next sequence number, and its stamp reads back', () => {
  const replay = new ConsoleReplay(seededRandom(7));
  const written = [replay.daemonLine(), ...replay.burst(3), ...replay.bootLines()].map((l, i) => replay.stamp(l, 1000 + i));
  expect(written.every((w) => w.endsWith('\r\n'))).toBe(true);
  const read = written.map((w) => readStamp(w.trimEnd())!);
  expect(read.map((r) => r.seq)).toEqual(written.map((_, i) => i));
  expect(read.map((r) => r.writtenAtMs)).toEqual(written.map((_, i) => 1000 + i));
  expect(replay.nextSeq).toBe(written.length);
  expect(read[0].text).toMatch(/attrd\[363\]: 3 handle_receive_message:len=\d+,seqNum=[0-9a-f]{8}:received client message$/);
});

test('a line without a whole stamp is told apart', () => {
  expect(readStamp('Nov 27 07:11:25 host attrd[363]: no stamp')).toBeUndefined();
  expect(readStamp(stampLine('cut short', 4, 12.5).slice(0, -7))).toBeUndefined();
  expect(readStamp(stampLine('a line #seq=1 t=2 in its text', 9, 3.25))).toEqual({ text: 'a line #seq=1 t=2 in its text', seq: 9, writtenAtMs: 3.25 });
});

test('the OTA script, stamped then read back, shows the happy path in order, with the download pause', () => {
  const replay = new ConsoleReplay(seededRandom(7));
  const script = replay.otaScript();
  const kinds = script.map((l, i) => parseLine(readStamp(replay.stamp(l.text).trimEnd())!.text, i + 1)?.kind).filter((k) => k !== undefined);
  expect(kinds).toEqual(happyPath);
  expect(script[0].afterMs).toBe(0);
  const afterDownloadStart = script[script.findIndex((l) => l.text.includes('DownloadFile(')) + 1];
  expect(afterDownloadStart.afterMs).toBe(1500);
  // The stamp left on breaks end-anchored patterns: why a reader must strip it.
  expect(parseLine(stampLine('Oct 30 21:13:00 host hubby[2014]: 3 verify image', 0, 1), 1)).toBeUndefined();
});

test('the same seed gives the same console', () => {
  const a = new ConsoleReplay(seededRandom(42));
  const b = new ConsoleReplay(seededRandom(42));
  const at = new Date('2026-11-27T07:00:00Z');
  expect(a.burst(5, at)).toEqual(b.burst(5, at));
  expect(a.otaScript()).toEqual(b.otaScript());
  expect(new ConsoleReplay(seededRandom(43)).burst(5, at)).not.toEqual(a.burst(5, at));
});
