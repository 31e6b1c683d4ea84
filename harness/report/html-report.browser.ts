import { test, expect, chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

// What a lab engineer sees: a Playwright HTML report of an OTA test, opened in a real browser
// (Debian's chromium), shows the timeline picture and the attachments. A small inner run makes
// the report (a test attaching what the board fixture attaches, from the seed trace), a static
// HTTP server serves it, chromium opens it; the screenshot is saved in the test output.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const innerSpec = `
import { test } from '@playwright/test';
import fs from 'node:fs';
import { timelineSvg } from '${root}/harness/report/timeline-svg.ts';
import { buildTimeline } from '${root}/harness/logs/timeline.ts';
import { parseLog } from '${root}/harness/logs/parse.ts';
import { eventToJson } from '${root}/harness/logs/parse.ts';
test('seed trace: full update on sama5d2', async ({}, testInfo) => {
  const log = fs.readFileSync('${root}/harness/logs/fixtures/sama5d2-seed-then-reboot.log');
  const events = parseLog(log);
  await testInfo.attach('console transcript', { body: log, contentType: 'text/plain' });
  await testInfo.attach('harness log', { body: '{"level":30,"msg":"push"}\\n', contentType: 'application/x-ndjson' });
  await testInfo.attach('ota-events.json', { body: JSON.stringify(events.map(eventToJson)), contentType: 'application/json' });
  await testInfo.attach('ota-timeline-1.svg', { body: timelineSvg(buildTimeline(events), 'sama5d2: OTA attempt 1'), contentType: 'image/svg+xml' });
});
`;

function serve(dir: string): Promise<http.Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.svg': 'image/svg+xml', '.json': 'application/json', '.txt': 'text/plain', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const p = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!p.startsWith(dir) || !fs.existsSync(p) || fs.statSync(p).isDirectory()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(p)] ?? 'application/octet-stream' });
    fs.createReadStream(p).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('the HTML report shows the OTA timeline picture and the attachments in chromium', async ({}, testInfo) => {
  test.setTimeout(3 * 60_000);
  const work = testInfo.outputPath('inner');
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, 'seed.spec.ts'), innerSpec);
  fs.writeFileSync(path.join(work, 'playwright.config.ts'), `export default { testDir: '.', outputDir: 'out', reporter: [['html', { outputFolder: 'html', open: 'never' }]] };\n`);
  try {
    execFileSync(path.join(root, 'node_modules/.bin/playwright'), ['test', '-c', path.join(work, 'playwright.config.ts')], { cwd: work, stdio: 'pipe', env: { ...process.env, CI: '' } });
  } catch (e) {
    throw new Error(`the inner Playwright run failed:\n${(e as { stdout?: Buffer }).stdout?.toString() ?? ''}${(e as { stderr?: Buffer }).stderr?.toString() ?? ''}`);
  }
  const server = await serve(path.join(work, 'html'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
    await page.getByText('seed trace: full update on sama5d2').click();
    const picture = page.locator('img[src$=".svg"]').first();
    await expect(picture).toBeVisible();
    expect(await picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    await expect(page.getByTestId('attachments').getByText('console transcript', { exact: true })).toBeVisible();
    await expect(page.getByTestId('attachments').getByText('ota-events.json', { exact: true })).toBeVisible();
    await expect(page.getByTestId('attachments').getByText('harness log', { exact: true })).toBeVisible();
    const shot = testInfo.outputPath('report-in-chromium.png');
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('report-in-chromium.png', { path: shot, contentType: 'image/png' });
  } finally {
    await browser.close();
    server.close();
  }
});
