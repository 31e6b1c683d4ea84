import { test, expect, chromium } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededHistory, STORY } from './testing-fixtures/seeded-history.ts';
import { trendPage } from './trend-page.ts';

// What the lab lead sees: the trend page of 32 seeded nights (a regression from night 29, a
// flaky scenario, a sick board, installs 25 % slower from night 15), opened from file:// in
// Debian's chromium: no console error, every night, a failed cell that opens its night's
// report, the duration chart's points, the flaky scenario and the sick board marked.

const CHROMIUM = '/usr/bin/chromium';
const NIGHTS = 32;

test('the trend page from file:// in chromium: nights, a failed cell to its report, duration points, flaky and sick marked', async ({}, testInfo) => {
  test.skip(!fs.existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium); npm test installs it once scripts/ensure-host-packages.mjs lists 'chromium' in its test group`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-trend-'));
  const report = (night: number) => path.join(dir, 'reports', `night-${night}`, 'index.html');
  for (let n = 0; n < NIGHTS; n++) {
    fs.mkdirSync(path.dirname(report(n)), { recursive: true });
    fs.writeFileSync(report(n), `<!doctype html><title>report of night ${n}</title><h1>report of night ${n}</h1>`);
  }
  const runs = seededHistory({ nights: NIGHTS, lastNight: new Date('2026-11-26T01:00:00Z'), regressionFrom: 29, slowerFrom: 15, reportLink: (n, t) => `${pathToFileURL(report(n)).href}#?testId=t${t}` });
  const out = path.join(dir, 'trend');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'index.html'), trendPage(runs, { outDir: out, generated: new Date(), window: 'all runs' }));

  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`request off the file system: ${r.url()}`);
    });
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
    await expect(page).toHaveTitle(`OTA trend: ${NIGHTS} runs, 2026-10-26 to 2026-11-26`);

    // Every night is a column, oldest first; the grid is scrolled to the newest.
    const nights = page.locator('table.grid thead th[scope=col]');
    await expect(nights).toHaveCount(NIGHTS + 1);
    await expect(nights.nth(1)).toHaveText('10-26');
    await expect(nights.nth(NIGHTS)).toHaveText('11-26');
    // Every row has a cell per night (the plain ones drawn from the row's letters): the regression's
    // row passes, then fails on its last three nights, each in its own column.
    const cellCounts = await page.locator('table.grid tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells.length));
    expect(cellCounts).toEqual(Array(10).fill(NIGHTS + 1));
    const regressionCells = await page.locator('table.grid tr[data-kind=regression] td').allTextContents();
    expect(regressionCells.join('')).toBe('✓'.repeat(29) + '✗✗✗');

    // The flaky scenario and the regression are marked on their rows; the sick board on its chart row.
    const flaky = page.locator('table.grid tr[data-kind=flaky]');
    await expect(flaky).toHaveCount(1);
    await expect(flaky.locator('th')).toContainText(`${STORY.flaky.boardType} · ${STORY.flaky.scenario}`);
    await expect(flaky.locator('th .badge.flaky')).toBeVisible();
    await expect(page.locator('#findings li.flaky')).toContainText('passed and failed on image');
    await expect(page.locator('#findings li.regression')).toHaveText(/^regression bbgw · two updates: fails since 2026-11-24 \(image 1\.5\.0\), in install/);
    await expect(page.locator('svg.lab-faults g.board.sick')).toHaveAttribute('data-board', STORY.sickBoard);
    await expect(page.locator('svg.lab-faults g.board.sick rect').first()).toBeVisible();

    // The duration chart has a point per night (the median line's vertices carry its dots), and the slower night marked.
    const install = page.locator('svg.duration[data-board-type=sama5d2][data-phase=install]');
    await expect(install).toBeVisible();
    const points = await install.locator('polyline.median').evaluate((p: SVGPolylineElement) => ({ n: p.points.numberOfItems, marker: getComputedStyle(p).markerMid }));
    expect(points).toEqual({ n: NIGHTS, marker: expect.stringContaining('#dot') });
    expect(await install.locator('polyline.p90').evaluate((p: SVGPolylineElement) => p.points.numberOfItems)).toBe(NIGHTS);
    await expect(install.locator('.slowdown text')).toHaveText(/^\+2\d % \(1\.4\.0\)$/);
    await expect(install.locator('.axis-title')).toHaveText(['night', 'duration']);

    const shot = testInfo.outputPath('trend-in-chromium.png');
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('trend-in-chromium.png', { path: shot, contentType: 'image/png' });
    expect(problems).toEqual([]);

    // The regression's failed cell of the last night opens that night's report, at its test.
    const cell = page.locator('table.grid tr[data-kind=regression] td.f a').last();
    await expect(cell).toHaveText('✗');
    await cell.click();
    await expect(page).toHaveTitle(`report of night ${NIGHTS - 1}`);
    expect(page.url()).toMatch(new RegExp(`/reports/night-${NIGHTS - 1}/index\\.html#\\?testId=t\\d+$`));
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
