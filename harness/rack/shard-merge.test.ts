import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Across hosts: each runner runs its shard (--shard=i/n) and writes a blob report; the blobs,
// gathered in one folder, are merged by `npx playwright merge-reports` into one report. The
// commands of docs/rack.md, run here as two shards on this machine on a small nested project
// (three files, seven tests, no board): the merged report holds every test exactly once.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const file = (name: string, n: number) => `
import { test, expect } from '@playwright/test';
${Array.from({ length: n }, (_, i) => `test('${name} ${i + 1}', () => { expect(${i} + 1).toBe(${i + 1}); });`).join('\n')}
`;

let work: string;

test.beforeEach(() => {
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  work = fs.mkdtempSync(path.join(root, '.cache', 'shard-merge-'));
  fs.writeFileSync(path.join(work, 'a.spec.ts'), file('a', 3));
  fs.writeFileSync(path.join(work, 'b.spec.ts'), file('b', 2));
  fs.writeFileSync(path.join(work, 'c.spec.ts'), file('c', 2));
  fs.writeFileSync(path.join(work, 'playwright.config.ts'), `export default { testDir: ${JSON.stringify(work)}, outputDir: ${JSON.stringify(path.join(work, 'results'))}, workers: 1, projects: [{ name: 'shards' }] };\n`);
});

test.afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PW_|TEST_|PLAYWRIGHT_)/.test(k) && k !== 'NODE_OPTIONS'));
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(path.join(root, 'node_modules/.bin/playwright'), args, { cwd: work, env: { ...clean, CI: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('two shards, each with a blob report, merge into one report with every test once', async () => {
  test.setTimeout(120_000);
  const merged = path.join(work, 'all-blobs');
  const shardTitles: string[][] = [];
  for (const shard of ['1/2', '2/2']) {
    // A runner's own blob folder (on another host, its CI artifact); then copied into one folder.
    const blobDir = path.join(work, `blob-${shard.replace('/', '-of-')}`);
    const r = await run(['test', '-c', 'playwright.config.ts', `--shard=${shard}`, '--reporter=blob,list'], { PLAYWRIGHT_BLOB_OUTPUT_DIR: blobDir });
    expect(r.code, r.output).toBe(0);
    const zips = fs.readdirSync(blobDir).filter((f) => f.endsWith('.zip'));
    expect(zips, `shard ${shard}: one blob report`).toHaveLength(1);
    fs.mkdirSync(merged, { recursive: true });
    fs.copyFileSync(path.join(blobDir, zips[0]), path.join(merged, zips[0]));
    shardTitles.push([...new Set([...r.output.matchAll(/› ([abc] \d)\b/g)].map((m) => m[1]))]);
  }
  expect(shardTitles[0].length, 'the first shard ran some tests').toBeGreaterThan(0);
  expect(shardTitles[1].length, 'the second shard ran some tests').toBeGreaterThan(0);
  expect([...shardTitles[0], ...shardTitles[1]].sort(), 'the shards split the tests, none twice').toEqual(['a 1', 'a 2', 'a 3', 'b 1', 'b 2', 'c 1', 'c 2']);

  const out = path.join(work, 'merged.json');
  const m = await run(['merge-reports', '--reporter', 'json', merged], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  expect(m.code, m.output).toBe(0);
  type Suite = { title: string; specs: { title: string; tests: { results: { status: string }[] }[] }[]; suites?: Suite[] };
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { suites: Suite[]; stats: { expected: number } };
  const specs = (s: Suite): Suite['specs'] => [...s.specs, ...(s.suites ?? []).flatMap(specs)];
  const titles = report.suites.flatMap(specs).map((s) => s.title);
  expect(titles.sort()).toEqual(['a 1', 'a 2', 'a 3', 'b 1', 'b 2', 'c 1', 'c 2']);
  expect(report.suites.flatMap(specs).every((s) => s.tests.length === 1 && s.tests[0].results.length === 1 && s.tests[0].results[0].status === 'passed')).toBe(true);
  expect(report.stats.expected).toBe(7);
});
