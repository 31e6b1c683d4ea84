import { test, expect } from '@playwright/test';
import { scenarioResult, summaryMarkdown } from './nightly-summary.ts';
import { SshUnreachableError, ProductFailure } from '../errors.ts';
import { timelineSvg } from './timeline-svg.ts';
import { buildTimeline } from '../logs/timeline.ts';
import { parseLog } from '../logs/parse.ts';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const summary = (eventCount: number) => ({ board: 'virtual', eventCount, attempts: [] });

test('failures are classed from the harness error, else by whether any OTA event was seen', () => {
  const lab = scenarioResult({ board: 'virtual', scenario: 's1', status: 'failed', durationMs: 1, errorMessage: new SshUnreachableError('board gone').message, summary: summary(5) });
  expect(lab.failureClass).toBe('lab-fault');
  const product = scenarioResult({ board: 'virtual', scenario: 's2', status: 'failed', durationMs: 1, errorMessage: new ProductFailure('no slot switch').message, summary: summary(0) });
  expect(product.failureClass).toBe('product-failure');
  expect(scenarioResult({ board: 'virtual', scenario: 's3', status: 'failed', durationMs: 1, errorMessage: 'expect(received).toBe(expected)', summary: summary(3) }).failureClass).toBe('product-failure');
  expect(scenarioResult({ board: 'virtual', scenario: 's4', status: 'timedOut', durationMs: 1, errorMessage: 'Test timeout of 1ms exceeded.', summary: summary(0) }).failureClass).toBe('lab-fault');
  const md = summaryMarkdown([lab, product, scenarioResult({ board: 'virtual', scenario: 's5', status: 'skipped', durationMs: 0, skipReason: 'virtual has no power-cut capability' })], new Date(0));
  expect(md).toContain('## virtual: 0 passed, 2 failed (1 lab faults, 1 product failures), 1 skipped');
  expect(md).toContain('| s1 | FAILED (lab fault) |');
  expect(md).toContain('virtual has no power-cut capability');
});

test('the timeline picture has one bar per reached phase, with its duration', () => {
  const t = buildTimeline(parseLog(fs.readFileSync(path.join(here, '../logs/fixtures/sama5d2-seed-then-reboot.log'))));
  const svg = timelineSvg(t, 'sama5d2 <seed>');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('sama5d2 &lt;seed&gt;');
  expect(svg.match(/<rect x=/g)?.length).toBe(5);
  expect(svg).toMatch(/>\d+(\.\d)? s</);
});
