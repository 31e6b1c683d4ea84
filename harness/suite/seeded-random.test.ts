import { test, expect } from '@playwright/test';
import { seededRandom, newSeed } from './seeded-random.ts';

test('the same seed gives the same instants, another seed others, all in [0, 1) and spread out', () => {
  const a = seededRandom('1a2b3c4d');
  const b = seededRandom('1a2b3c4d');
  const first = Array.from({ length: 1000 }, () => a());
  expect(Array.from({ length: 1000 }, () => b()), 'replayed from the same seed').toEqual(first);
  expect(seededRandom('other')(), 'another seed').not.toBe(first[0]);
  expect(first.every((x) => x >= 0 && x < 1), 'every number in [0, 1)').toBe(true);
  const tenths = new Set(first.map((x) => Math.floor(x * 10)));
  expect(tenths.size, 'every tenth of the window is reached').toBe(10);
  expect(newSeed()).toMatch(/^[0-9a-f]{8}$/);
});
