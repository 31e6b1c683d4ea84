import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { createLogger, wantsLiveLog } from './logger.ts';

test('secrets are redacted by field name at any depth up to three levels', ({}, testInfo) => {
  const file = testInfo.outputPath('harness.log');
  const log = createLogger(file, 'debug', { live: false });
  log.info({ password: 'pw-1', profile: { login: { password: 'pw-2' } }, 'auth-string': 'pw-3', conf: { 'auth-string': 'pw-4', userpw: 'pw-5' }, token: 'pw-6', host: 'board-7' }, 'connected');
  const text = fs.readFileSync(file, 'utf8');
  expect(text).not.toMatch(/pw-\d/);
  expect(text).toContain('"host":"board-7"');
  expect(text.match(/\[secret\]/g)).toHaveLength(6);
});

test('the live view: board, phase, OTA event and time elapsed on stdout as each line is logged; the file stays JSON', ({}, testInfo) => {
  const file = testInfo.outputPath('harness.log');
  const shown: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => (shown.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const log = createLogger(file, 'debug', { live: true });
    log.info({ board: 'sama5d2', phase: 'download', kind: 'ota-allowed', line: 'hubby[2014]: BentoProduct::LocalOtaAllowed(5, 7112)', password: 'pw-1' }, 'ota event');
    // Written before info() returned: no worker thread, no stream hand-off to land in the next test.
    expect(shown.join(''), 'the live line').toMatch(/^\d\d:\d\d:\d\d\.\d{3} \+0\.\ds INFO: sama5d2 \[download\] ota event ota-allowed .*LocalOtaAllowed\(5, 7112\)/);
    log.debug({ board: 'sama5d2' }, 'console bytes');
    log.close();
  } finally {
    process.stdout.write = write;
  }
  expect(shown, 'debug lines stay in the file').toHaveLength(1);
  expect(shown.join(''), 'secrets in the live view').not.toContain('pw-1');
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.map((l) => l.msg), 'the file: JSON lines').toEqual(['ota event', 'console bytes']);
  expect(lines[0], 'the file keeps the fields').toMatchObject({ board: 'sama5d2', phase: 'download', kind: 'ota-allowed', password: '[secret]' });
});

test('the live view is on with HIL_LOG=pretty, off with any other value, and follows the terminal when unset', () => {
  expect(wantsLiveLog({ HIL_LOG: 'pretty' }, { isTTY: false }), 'HIL_LOG=pretty, no terminal').toBe(true);
  expect(wantsLiveLog({ HIL_LOG: 'json' }, { isTTY: true }), 'HIL_LOG=json on a terminal').toBe(false);
  expect(wantsLiveLog({}, { isTTY: true }), 'unset, a terminal').toBe(true);
  expect(wantsLiveLog({}, { isTTY: false }), 'unset, a pipe').toBe(false);
});
