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

test('failures are classed by their failure-class annotation, never by the message text', () => {
  const ann = (failureClass: string, phase?: string) => [{ type: 'failure-class', description: failureClass }, ...(phase ? [{ type: 'phase', description: phase }] : [])];
  // The message of a lab fault, annotated as the product's: the annotation decides (the old text reading said lab fault).
  const product = scenarioResult({ board: 'virtual', scenario: 's1', status: 'failed', durationMs: 1, errorMessage: new SshUnreachableError('board gone').message, annotations: ann('product-failure', 'confirm'), summary: summary(5) });
  expect(product.failureClass, 'class from the annotation').toBe('product-failure');
  expect(product.failedPhase, 'phase from the annotation').toBe('confirm');
  const lab = scenarioResult({ board: 'virtual', scenario: 's2', status: 'failed', durationMs: 1, errorMessage: new ProductFailure('no slot switch').message, annotations: ann('lab-fault', 'download'), summary: summary(0) });
  expect(lab.failureClass, 'class from the annotation').toBe('lab-fault');
  // No annotation: nobody decided, and the summary says so (the old guess: product, as OTA events were seen).
  const none = scenarioResult({ board: 'virtual', scenario: 's3', status: 'failed', durationMs: 1, errorMessage: 'expect(received).toBe(expected)', summary: summary(3) });
  expect(none.failureClass, 'class without an annotation').toBe('unclassified');
  expect(scenarioResult({ board: 'virtual', scenario: 's4', status: 'failed', durationMs: 1, annotations: ann('no-such-class') }).failureClass, 'an unknown class').toBe('unclassified');
  const md = summaryMarkdown([lab, product, none, scenarioResult({ board: 'virtual', scenario: 's5', status: 'skipped', durationMs: 0, skipReason: 'virtual has no power-cut capability' })], new Date(0));
  expect(md).toContain('## virtual: 0 passed, 3 failed (1 lab faults, 1 product failures, 1 unclassified), 1 skipped');
  expect(md).toContain('| s2 | FAILED (lab fault, in download) |');
  expect(md).toContain('| s1 | FAILED (product failure, in confirm) |');
  expect(md).toContain('| s3 | FAILED (unclassified) |');
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

test('each physical board has its section: the board id and tags from the annotations', () => {
  const on = (id: string, tags: string) => [
    { type: 'board-id', description: id },
    { type: 'board-tags', description: tags },
  ];
  const a = scenarioResult({ board: 'sama5d2', scenario: 'full update', status: 'passed', durationMs: 1, annotations: on('sama5d2-1', 'usb-power') });
  const b = scenarioResult({ board: 'sama5d2', scenario: 'not newer', status: 'passed', durationMs: 1, annotations: on('sama5d2-2', 'usb-power,sd-mux') });
  expect(a).toMatchObject({ board: 'sama5d2', boardId: 'sama5d2-1', boardTags: ['usb-power'] });
  const md = summaryMarkdown([a, b, scenarioResult({ board: 'virtual', scenario: 'x', status: 'passed', durationMs: 1 })], new Date(0));
  expect(md).toContain('## sama5d2 board sama5d2-1 [usb-power]: 1 passed');
  expect(md).toContain('## sama5d2 board sama5d2-2 [usb-power, sd-mux]: 1 passed');
  expect(md).toContain('## virtual: 1 passed');
});

test('a known product limitation (test.fail) that failed as known is passed with its reason and failure; one that passed is a failure', () => {
  const fail = [{ type: 'fail', description: 'known product limitation: bbgw has no rollback' }, { type: 'failure-class', description: 'product-failure' }];
  const known = scenarioResult({ board: 'bbgw', scenario: 'rollback', status: 'failed', expectedStatus: 'failed', durationMs: 1, errorMessage: 'ProductFailure: no rollback: slot B does not boot and the board stays there\nmore', annotations: fail });
  expect(known).toMatchObject({ status: 'passed', knownLimitation: { reason: 'known product limitation: bbgw has no rollback', failure: 'ProductFailure: no rollback: slot B does not boot and the board stays there' } });
  expect(known.failureClass).toBeUndefined();
  const stale = scenarioResult({ board: 'bbgw', scenario: 'rollback', status: 'passed', expectedStatus: 'failed', durationMs: 1, annotations: fail.slice(0, 1) });
  expect(stale.status).toBe('failed');
  expect(stale.failure).toContain('marked as a known limitation (known product limitation: bbgw has no rollback) but passed');
  const md = summaryMarkdown([known, stale], new Date(0));
  expect(md).toContain('## bbgw: 1 passed, 1 failed');
  expect(md).toContain('| rollback | passed (failed as a known limitation) |');
  expect(md).toContain('known product limitation: bbgw has no rollback: ProductFailure: no rollback: slot B does not boot');
});
