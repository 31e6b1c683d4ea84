import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { createLogger } from './logger.ts';

test('secrets are redacted by field name at any depth up to three levels', ({}, testInfo) => {
  const file = testInfo.outputPath('harness.log');
  const log = createLogger(file);
  log.info({ password: 'pw-1', profile: { login: { password: 'pw-2' } }, 'auth-string': 'pw-3', conf: { 'auth-string': 'pw-4', userpw: 'pw-5' }, token: 'pw-6', host: 'board-7' }, 'connected');
  const text = fs.readFileSync(file, 'utf8');
  expect(text).not.toMatch(/pw-\d/);
  expect(text).toContain('"host":"board-7"');
  expect(text.match(/\[secret\]/g)).toHaveLength(6);
});
