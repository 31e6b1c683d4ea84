import { test, expect } from '@playwright/test';
import { Semaphore, SemaphoreFullError } from './semaphore.ts';

/** A job that runs until its `finish` is called. */
function job(log: string[], name: string): { run: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const gate = new Promise<void>((r) => (finish = r));
  return {
    run: async () => {
      log.push(`start ${name}`);
      await gate;
      return name;
    },
    finish,
  };
}

test('at most `max` jobs run; the others wait in order; beyond the line, SemaphoreFullError at once', async () => {
  const sem = new Semaphore(2, 2);
  const log: string[] = [];
  const jobs = ['a', 'b', 'c', 'd', 'e'].map((n) => job(log, n));
  const runs = jobs.slice(0, 4).map((j) => sem.run(j.run));
  await Promise.resolve();
  expect(log).toEqual(['start a', 'start b']);
  await expect(sem.run(jobs[4].run)).rejects.toBeInstanceOf(SemaphoreFullError);
  jobs[1].finish();
  expect(await runs[1]).toBe('b');
  await expect.poll(() => log).toEqual(['start a', 'start b', 'start c']);
  for (const j of jobs.slice(0, 4)) j.finish();
  expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
  expect(log).toEqual(['start a', 'start b', 'start c', 'start d']);
});

test('a job that throws frees its slot', async () => {
  const sem = new Semaphore(1, 1);
  await expect(sem.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(await sem.run(async () => 'next')).toBe('next');
});
