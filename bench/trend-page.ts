import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openHistoryStore } from '../harness/history/history-store.ts';
import { seededHistory, SEEDED_SCENARIOS } from '../harness/history/testing-fixtures/seeded-history.ts';
import { trendPage, trendPageOf } from '../harness/history/trend-page.ts';

// `hil report trend` on a long history: 1,000 nights × 50 boards (5 types × 10) × 10 scenarios
// (500,000 results) in a SQLite store, with the seeded stories (a regression in the last 3
// nights, a flaky scenario, a sick board, slower installs from night 500). Measured: writing the
// history, reading it back, making the page, and the page's size. Targets: page built in under
// 2 s (read + render + write), under 2 MB. The page is built from the runs' stored digests (as
// `hil report trend` does); for comparison, in the same run, from the runs' tests as before the
// digests were stored (store.runs(): every test parsed, then digested on the way into the page).

const NIGHTS = 1000;
const TYPES = ['sama5d2', 'bbgw', 'virtual', 'imx8', 'rpi4'];
const SCENARIOS = [...SEEDED_SCENARIOS, 'rollback', 'data kept', 'slow network', 'big image', 'reboot loop'];

export async function benchTrendPage(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-bench-trend-'));
  try {
    const boards = TYPES.flatMap((type) => Array.from({ length: 10 }, (_, i) => ({ id: `${type}-${i + 1}`, type })));
    const runs = seededHistory({ nights: NIGHTS, lastNight: new Date('2026-11-26T01:00:00Z'), boards, scenarios: SCENARIOS, regressionFrom: NIGHTS - 3, slowerFrom: NIGHTS / 2, reportLink: (n, t) => `https://ci.example/nightly/${n}/index.html#?testId=${t.toString(16).padStart(8, '0')}` });
    const results = runs.reduce((n, r) => n + r.tests.length, 0);
    const store = await openHistoryStore(path.join(dir, 'rack.sqlite'), dir);
    try {
      let t = performance.now();
      for (const r of runs) await store.append(r);
      const writeS = (performance.now() - t) / 1000;

      const out = path.join(dir, 'trend');
      fs.mkdirSync(out, { recursive: true });
      const page = { outDir: out, generated: new Date(), window: 'all runs' };
      const build = async (read: () => Promise<string>) => {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const html = await read();
        fs.writeFileSync(path.join(out, 'index.html'), html);
        const cpu = process.cpuUsage(cpu0);
        return { html, wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
      };
      let readS = 0;
      const fromDigests = await build(async () => {
        const t0 = performance.now();
        const digests = await store.digests();
        readS = (performance.now() - t0) / 1000;
        return trendPageOf(digests, page);
      });
      // After, so that its 500,000 parsed tests do not burden the digests' figures with their garbage.
      const fromTests = await build(async () => trendPage(await store.runs(), page));
      const { html } = fromDigests;
      const renderS = fromDigests.wallS - readS;
      const buildCpuS = fromDigests.cpuS;
      const sizeMB = Buffer.byteLength(html) / 1e6;
      // The default page (--since 30d): the last 30 nights.
      t = performance.now();
      trendPageOf(await store.digests({ since: runs[NIGHTS - 30].startedAt }), { ...page, window: 'since 30 nights' });
      const last30S = (performance.now() - t) / 1000;
      const figures = { nights: NIGHTS, results, writeS, readS, renderS, buildS: fromDigests.wallS, buildCpuS, last30S, loadAverage: os.loadavg()[0], sizeMB, rssMiB: process.memoryUsage().rss / 2 ** 20, fromTestsS: fromTests.wallS, fromTestsCpuS: fromTests.cpuS };
      const f = (n: number) => n.toFixed(2);
      process.stdout.write(`  ${NIGHTS} nights × 50 boards × 10 scenarios (${results.toLocaleString('en')} results): history written in ${f(writeS)} s\n`);
      process.stdout.write(`  page built in ${f(figures.buildS)} s wall (read ${f(readS)} s + render and write ${f(renderS)} s), ${f(buildCpuS)} s of CPU (load average ${f(figures.loadAverage)}; target < 2 s), ${f(sizeMB)} MB (target < 2 MB), RSS ${figures.rssMiB.toFixed(0)} MiB\n`);
      process.stdout.write(`  from every test (store.runs(), the read before the stored digests): ${f(fromTests.wallS)} s wall, ${f(fromTests.cpuS)} s of CPU: the digests are ${(fromTests.wallS / fromDigests.wallS).toFixed(1)}x faster (wall), ${(fromTests.cpuS / fromDigests.cpuS).toFixed(1)}x (CPU)\n`);
      process.stdout.write(`  the default page, last 30 nights: ${f(last30S)} s\n`);
      return figures;
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTrendPage();
