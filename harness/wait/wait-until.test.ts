import { test, expect } from '@playwright/test';
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { waitUntil } from './wait-until.ts';
import { Deadline } from './deadline.ts';
import { WaitAbortedError, WaitTimeoutError } from '../errors.ts';

function lineWait(src: EventEmitter, want: string, o: { deadline?: Deadline; timeoutMs?: number; signal?: AbortSignal }) {
  const seen: string[] = [];
  return waitUntil<string>({
    awaited: `the line "${want}"`,
    where: 'test source',
    ...o,
    lastLines: () => seen,
    watch(resolve) {
      const on = (l: string) => {
        seen.push(l);
        if (l === want) resolve(l);
      };
      src.on('line', on);
      return () => src.off('line', on);
    },
  });
}

test('a wait resolves on its event and removes its listener', async () => {
  const src = new EventEmitter();
  const p = lineWait(src, 'ready', { timeoutMs: 5000 });
  src.emit('line', 'noise');
  src.emit('line', 'ready');
  expect(await p).toBe('ready');
  await Promise.resolve();
  expect(src.listenerCount('line')).toBe(0);
});

test('waits in one phase share its deadline: the second gets only what is left', async () => {
  const src = new EventEmitter();
  const phase = Deadline.after(400, 'install');
  const first = lineWait(src, 'a', { deadline: phase });
  setTimeout(() => src.emit('line', 'a'), 250);
  await first;
  const t0 = Date.now();
  const err = await lineWait(src, 'b', { deadline: phase }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  // The whole budget again would be 400 ms; what was left is about 150.
  expect(Date.now() - t0).toBeLessThan(350);
  expect(err.message).toContain('[install] timed out after 0.4 s waiting for the line "b" on test source');
  expect(err.failureClass).toBe('lab-fault');
  expect(src.listenerCount('line')).toBe(0);
});

test('a spent deadline fails the next wait at once; within() never outlives its phase', async () => {
  const phase = Deadline.after(0, 'reboot');
  expect(phase.expired()).toBe(true);
  await expect(lineWait(new EventEmitter(), 'x', { deadline: phase })).rejects.toBeInstanceOf(WaitTimeoutError);
  const long = Deadline.after(1000, 'confirm');
  expect(long.within(60_000).remainingMs()).toBeLessThanOrEqual(1000);
  expect(long.within(10).remainingMs()).toBeLessThanOrEqual(10);
  expect(long.within(10).phase).toBe('confirm');
  expect(() => Deadline.after(2 ** 31, 'x')).toThrow(/0\.\.2147483647 ms/);
});

test('an abort ends the wait as aborted, and a watch that settles at once never arms a timer', async () => {
  const src = new EventEmitter();
  const ac = new AbortController();
  const p = lineWait(src, 'never', { timeoutMs: 60_000, signal: ac.signal });
  ac.abort(new Error('board released'));
  const err = await p.catch((e) => e);
  expect(err).toBeInstanceOf(WaitAbortedError);
  expect(err.message).toContain('board released');
  const at = await waitUntil({ awaited: 'x', where: 'y', timeoutMs: 60_000, lastLines: () => [], watch: (resolve) => resolve(42) });
  expect(at).toBe(42);
});

test('data that arrived before the deadline wins over a timer run late by a busy process', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = once(server, 'connection');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [peer] = (await accepted) as [net.Socket];
  try {
    const got = waitUntil<string>({
      awaited: 'a byte',
      where: 'loopback',
      timeoutMs: 100,
      lastLines: () => [],
      watch: (resolve) => {
        const on = (d: Buffer) => resolve(d.toString());
        client.on('data', on);
        return () => client.off('data', on);
      },
    });
    peer.write('x'); // in the kernel's buffer at once, read by the event loop later
    const until = Date.now() + 300;
    while (Date.now() < until); // the process is busy past the deadline, as under load
    expect(await got).toBe('x');
  } finally {
    client.destroy();
    peer.destroy();
    server.close();
  }
});

test('a timeout of its own inside a phase deadline: the sooner ends the wait, named by the phase', async () => {
  const phase = Deadline.after(60_000, 'install');
  const t0 = Date.now();
  const err = await lineWait(new EventEmitter(), 'x', { deadline: phase, timeoutMs: 200 }).catch((e) => e);
  expect(err).toBeInstanceOf(WaitTimeoutError);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(err.message).toContain('[install] timed out after 0.2 s');
});
