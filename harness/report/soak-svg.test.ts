import { test, expect } from '@playwright/test';
import { soakSvg, outcomeColours } from './soak-svg.ts';

test('the soak picture has a dot per cut in its outcome colour, the counts, and the window marks', () => {
  const svg = soakSvg({
    title: 'power-cut soak <seed 7>',
    windowMarks: [
      { label: 'validated', atMs: 0 },
      { label: 'slot-switched', atMs: 9000 },
      { label: 'kernel-boot', atMs: 12_000 },
    ],
    cuts: [
      { cycle: 1, atMs: 1000, outcome: 'old' },
      { cycle: 2, atMs: 10_000, outcome: 'new' },
      { cycle: 3, atMs: 5000, outcome: 'failed', note: 'version 7 on slot B' },
    ],
  });
  expect(svg.match(/<title>cycle \d+: cut /g)?.length, 'one dot per cut').toBe(3);
  expect(svg).toContain(`fill="${outcomeColours.failed}"><title>cycle 3: cut 5.00 s after HandleValidateOTA(0), failed (version 7 on slot B)`);
  expect(svg).toContain('came back old: 1');
  expect(svg).toContain('came back new: 1');
  expect(svg).toContain('failed: 1');
  expect(svg, 'the title is escaped').toContain('power-cut soak &lt;seed 7&gt;');
  expect(svg).toContain('>slot-switched</text>');
});
