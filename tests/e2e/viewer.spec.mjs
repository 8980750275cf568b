// The plan viewer (issue 11): the sample plan made by the project, a corpus file, the
// 10,000-task sample (scrolling and zooming), a phone's width, printing and pt-BR.
//
// Everything asserted is what the user sees (rows, labels, panels), never timings.
import { test, expect } from '@playwright/test';
import path from 'node:path';
import {
  FILES, axeViolations, card, cliXml, corpusFile, download, fileItem, openApp, screenshot, waitDone,
} from './helpers.mjs';

const SAMPLE = 'mpp2xml-sample.mpp';
const LARGE = 'mpp2xml-sample-10000-tasks.mpp';
/** Task rows of the table (the header row has no data-id). */
const ROWS = '#vt-grid .vt-row[data-id]';

/** Opens the app (at `url`), builds the sample and waits for its viewer. */
async function openSample(page, { url = '/', name = SAMPLE, timeout = 60_000 } = {}) {
  await page.goto(url);
  await expect(page.locator('#drop-zone')).toBeVisible();
  await page.locator('#try-sample').click();
  await waitDone(page, name, timeout);
  await expect(page.locator(ROWS).first()).toBeVisible();
}

/** The IDs of the task rows in the page, in order. */
async function rowIds(page) {
  return (await page.locator(ROWS).evaluateAll((rows) => rows.map((r) => Number(r.dataset.id))));
}

/** The labels of the timescale's cells, upper row then lower row. */
async function timescale(page) {
  return page.locator('.vg-head .ts-label').allTextContents().then((l) => l.filter((s) => s.length > 0));
}

test('the sample plan opens in the viewer: every task, bars, milestones, links, a hidden bar, and its XML', async ({ page }) => {
  await openSample(page);
  const li = card(page, SAMPLE);
  await expect(li.locator('.file-version')).toHaveText('Sample plan made by mpp2xml');
  await expect(page.locator('#vt-grid')).toHaveAttribute('aria-rowcount', '32');
  await expect.poll(() => rowIds(page)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  await expect(page.locator('#vt-grid [role=columnheader]')).toHaveText(['ID', 'Task name', 'Duration', 'Start', 'Finish', '% Complete']);
  await expect(page.locator(`${ROWS}[data-id="3"] .vt-name-text`)).toHaveText('Kick-off meeting');
  await expect(page.locator(`${ROWS}[data-id="1"]`)).toHaveAttribute('aria-level', '1');
  await expect(page.locator(`${ROWS}[data-id="3"]`)).toHaveAttribute('aria-level', '3');

  // The chart: one row per task, summary bars, milestones as diamonds, progress, arrows.
  await expect(page.locator('.vg-body .vg-row')).toHaveCount(31);
  await expect(page.locator('.vg-body .vg-summary').first()).toBeVisible();
  expect(await page.locator('.vg-body .vg-milestone').count()).toBeGreaterThanOrEqual(5);
  expect(await page.locator('.vg-body .vg-progress').count()).toBeGreaterThan(10);
  expect(await page.locator('.vg-body .vg-link').count()).toBeGreaterThan(20);
  // "Contingency reserve" is marked "hide bar": it has a row but no bar.
  const hidden = page.locator('.vg-row[data-task="30"]');
  await expect(hidden).toHaveAttribute('data-hidden-bar', 'true');
  await expect(hidden.locator('rect, polygon')).toHaveCount(0);
  // Bar labels: resource names, then task names.
  await expect(page.locator('.vg-row[data-task="3"] .vg-label')).toHaveText('Ana Lima, Bruno Costa, Carla Souza');
  await page.selectOption('#viewer-labels', 'names');
  await expect(page.locator('.vg-row[data-task="3"] .vg-label')).toHaveText('Kick-off meeting');
  // Non-working days are shaded at the weeks zoom.
  await expect(page.locator('#viewer-zoom')).toHaveValue('weeks');
  expect(await page.locator('.vg-nonworking').count()).toBeGreaterThan(5);

  // Baseline and critical path on demand.
  await expect(page.locator('.vg-baseline')).toHaveCount(0);
  await page.locator('#viewer-baseline').check();
  expect(await page.locator('.vg-baseline').count()).toBeGreaterThan(20);
  await expect(page.locator('.vg-row.critical')).toHaveCount(0);
  await page.locator('#viewer-critical').check();
  expect(await page.locator('.vg-row.critical').count()).toBeGreaterThan(10);
  expect(await page.locator('.vg-link.critical').count()).toBeGreaterThan(5);

  const dl = await download(page, li.locator('a.download-xml'));
  expect(dl.name).toBe('mpp2xml-sample.xml');
  const xml = dl.bytes.toString('utf8');
  expect(xml).toContain('<Name>Deploy to production</Name>');
  expect(xml).toContain('<HideBar>1</HideBar>');
  await screenshot(page, 'viewer-sample-1280');
  expect(await axeViolations(page)).toEqual([]);
});

test('outline, keyboard, search and the task details panel', async ({ page }) => {
  await openSample(page);
  // Collapsing "Discovery" (ID 2) hides its four tasks; expand and collapse all.
  const discovery = page.locator(`${ROWS}[data-id="2"]`);
  await expect(discovery).toHaveAttribute('aria-expanded', 'true');
  await discovery.locator('.vt-toggle').click();
  await expect(discovery).toHaveAttribute('aria-expanded', 'false');
  await expect.poll(() => rowIds(page)).not.toContain(3);
  await expect(page.locator(ROWS)).toHaveCount(27);
  await page.locator('#viewer-collapse-all').click();
  await expect.poll(() => rowIds(page)).toEqual([1]);
  await page.locator('#viewer-expand-all').click();
  await expect(page.locator(ROWS)).toHaveCount(31);

  // Keyboard: the grid takes focus, arrows move, Left collapses, Enter opens the details.
  await page.locator('#vt-grid').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#vt-grid')).toHaveAttribute('aria-activedescendant', /vt-row-1$/);
  await page.keyboard.press('ArrowLeft');
  await expect(discovery).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('ArrowRight');
  await expect(discovery).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Enter');
  await expect(page.locator('#task-details-heading')).toContainText('2 Discovery');
  await expect(page.locator('#task-details-heading')).toBeFocused();
  await page.locator('.vd-close').click();
  await expect(page.locator('#task-details')).toHaveCount(0);

  // Search highlights and counts; "only matching" keeps the matches and their summary tasks.
  await page.fill('#viewer-search', 'deploy');
  await expect(page.locator('#viewer-search-count')).toHaveText('1 of 1');
  await expect(page.locator(`${ROWS}[data-id="28"]`)).toHaveClass(/current-match/);
  await page.locator('#viewer-only').check();
  await expect.poll(() => rowIds(page)).toEqual([1, 25, 28]);
  await page.locator('#viewer-only').uncheck();
  await page.fill('#viewer-search', 'zzz no such task');
  await expect(page.locator('#viewer-search-count')).toHaveText('No matches');
  await page.fill('#viewer-search', '');

  // Details of a task with notes, links of two types each way, a resource and custom fields.
  await page.locator(`${ROWS}[data-id="15"]`).click();
  const details = page.locator('#task-details');
  await expect(details.locator('h3')).toContainText('15 Orders and invoices API');
  await expect(details).toContainText('Depends on the billing system');
  await expect(details.locator('dt', { hasText: 'Work' }).locator('+ dd')).toHaveText('80 hrs');
  await expect(details.locator('dt', { hasText: 'Cost' }).locator('+ dd')).toHaveText('$5600');
  const preds = details.locator('.vd-columns > div').nth(0).locator('li');
  await expect(preds).toHaveText(['11 Design approved (FS)', '13 Set up environments (FS)']);
  const succs = details.locator('.vd-columns > div').nth(1).locator('li');
  await expect(succs).toHaveText(['16 Orders and invoices screens (SS +3 days)', '17 Notifications by email (FF)']);
  await expect(details.locator('.vd-columns > div').nth(2).locator('li')).toHaveText(['Bruno Costa [100%]']);
  await expect(details.locator('dt', { hasText: 'Team' }).locator('+ dd')).toHaveText('Back end');
  // A successor's button shows that task.
  await succs.first().locator('button').click();
  await expect(details.locator('h3')).toContainText('16 Orders and invoices screens');

  // The resource sheet: rates, group, cost, work, assignments.
  await page.locator('#viewer-tab-resources').click();
  const sheet = page.locator('#resource-table tr.resource-row');
  await expect(sheet).toHaveCount(9);
  await expect(sheet.nth(1)).toContainText('Bruno Costa');
  await expect(sheet.nth(1)).toContainText('Development');
  await expect(sheet.nth(1)).toContainText('$70/hr');
  await expect(sheet.nth(7)).toContainText('Cost');
  await expect(page.locator('#viewer-panel-tasks')).toBeHidden();
  expect(await axeViolations(page)).toEqual([]);
});

test('the timescale zooms from days to years', async ({ page }) => {
  await openSample(page);
  await page.selectOption('#viewer-zoom', 'days');
  const days = await timescale(page);
  expect(days).toContain('Mar 3, 2025');
  expect(days.filter((l) => /^\d{1,2}$/.test(l)).length).toBeGreaterThan(20);
  await page.locator('#viewer-zoom-out').click();
  await expect(page.locator('#viewer-zoom')).toHaveValue('weeks');
  expect(await timescale(page)).toContain('Mar 2025');
  await page.selectOption('#viewer-zoom', 'months');
  const months = await timescale(page);
  expect(months).toContain('2025');
  expect(months).toContain('Apr');
  await page.selectOption('#viewer-zoom', 'quarters');
  expect(await timescale(page)).toContain('Q2');
  await page.selectOption('#viewer-zoom', 'years');
  expect(await timescale(page)).toContain('2020–2029');
  await expect(page.locator('#viewer-zoom-out')).toBeDisabled();
});

test('the 10,000-task sample: every task, only the rows in view in the page, scrolls and zooms', async ({ page }) => {
  test.setTimeout(180_000);
  await openSample(page, { url: '/?sample=large', name: LARGE, timeout: 150_000 });
  await expect(page.locator('#try-sample')).toHaveText('Try a large sample plan (10,000 tasks)');
  await expect(page.locator('#vt-grid')).toHaveAttribute('aria-rowcount', '10001');
  const first = await rowIds(page);
  expect(first[0]).toBe(1);
  expect(first.length, 'virtualised: only the rows in view are in the page').toBeLessThan(120);

  const scroller = page.locator('.viewer-scroll');
  await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await expect(page.locator(`${ROWS}[data-id="10000"]`)).toBeVisible();
  await expect(page.locator(`${ROWS}[data-id="1"]`)).toHaveCount(0);
  await expect(page.locator('.vg-row[data-task="10000"]')).toHaveCount(1);
  await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
  await expect(page.locator(`${ROWS}[data-id="5000"]`)).toBeVisible();
  expect((await rowIds(page)).length).toBeLessThan(120);

  // Ten years fit at the years zoom; weeks and days show months, weeks and days.
  await expect(page.locator('#viewer-zoom')).toHaveValue('years');
  expect(await timescale(page)).toContain('2026');
  await page.selectOption('#viewer-zoom', 'weeks');
  const weeks = await timescale(page);
  expect(weeks.some((l) => /^[A-Z][a-z]{2} 20\d\d$/.test(l))).toBe(true);
  await page.locator('#viewer-zoom-in').click();
  await expect(page.locator('#viewer-zoom')).toHaveValue('days');
  const days = await timescale(page);
  expect(days.some((l) => /^[A-Z][a-z]{2} \d{1,2}, 20\d\d$/.test(l))).toBe(true);
  await scroller.evaluate((el) => { el.scrollLeft = el.scrollWidth / 2; });
  await expect.poll(async () => (await timescale(page)).join(' ')).not.toEqual(days.join(' '));

  // Search jumps to a task far down.
  await page.fill('#viewer-search', 'Phase 420 task 7');
  await expect(page.locator('#viewer-search-count')).toHaveText('1 of 1');
  await expect(page.locator(`${ROWS}.current-match .vt-name-text`)).toHaveText('Phase 420 task 7');
  // Its row and its bar are brought into view (phase 420 task 7 is task 8388).
  await expect(page.locator(`${ROWS}[data-id="8388"]`)).toBeInViewport();
  await expect(page.locator('.vg-row[data-task="8388"] .vg-bar')).toBeInViewport();
  await screenshot(page, 'viewer-large-1280');
});

test('a corpus file opens in the viewer with its tasks, links and resources', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await openApp(page);
  await page.setInputFiles('#file-input', fileItem(file));
  await waitDone(page, name);
  const xml = cliXml(file).toString('utf8');
  const names = await page.locator(`${ROWS} .vt-name-text`).allTextContents();
  expect(names.length).toBeGreaterThan(0);
  for (const n of names) expect(xml).toContain(`<Name>${n}</Name>`);
  await expect(page.locator('.vg-body .vg-row')).toHaveCount(names.length);
  await page.locator(ROWS).first().click();
  await expect(page.locator('#task-details h3')).toContainText(names[0]);
  await page.locator('#viewer-tab-resources').click();
  const resources = await page.locator('#resource-table tr.resource-row td:nth-child(2)').allTextContents();
  expect(resources.length).toBeGreaterThan(0);
  for (const n of resources) expect(xml).toContain(`<Name>${n}</Name>`);
  expect(await axeViolations(page)).toEqual([]);
});

test.describe('a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the viewer shows the table or the chart and the page is never wider than the screen', async ({ page }) => {
    await openSample(page);
    const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await expect(page.locator('#viewer-show-table')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('#vt-grid')).toBeVisible();
    await expect(page.locator('.vg')).toBeHidden();
    await page.locator('#viewer-show-gantt').click();
    await expect(page.locator('.vg')).toBeVisible();
    await expect(page.locator('#vt-grid')).toBeHidden();
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await page.locator('.vg-row[data-task="15"]').click();
    await expect(page.locator('#task-details h3')).toContainText('Orders and invoices API');
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await screenshot(page, 'viewer-sample-390');
    expect(await axeViolations(page)).toEqual([]);
  });
});

test.describe('printing', () => {
  test.use({ viewport: { width: 1280, height: 600 } });

  test('prints every row, the table and then the chart, without the page around it', async ({ page }) => {
    await openSample(page);
    const onScreen = await page.locator(ROWS).count();
    expect(onScreen, 'on screen only the rows in view are in the page').toBeLessThan(31);
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator(ROWS)).toHaveCount(31);
    await expect(page.locator('.vg-body .vg-row')).toHaveCount(31);
    await expect(page.locator('.viewer-tools')).toBeHidden();
    await expect(page.locator('#files-heading')).toBeHidden();
    // Fitted to the page: the chart is no wider than the table above it.
    const [table, chart] = await Promise.all([
      page.locator('#vt-grid').boundingBox(),
      page.locator('.vg-body').boundingBox(),
    ]);
    expect(chart.width).toBeLessThanOrEqual(table.width + 1);
    expect(chart.y).toBeGreaterThan(table.y + table.height - 1);
    await screenshot(page, 'viewer-print');
    await page.emulateMedia({ media: 'screen' });
    await expect.poll(() => page.locator(ROWS).count()).toBeLessThan(31);
  });
});

test.describe('Brazilian Portuguese', () => {
  test.use({ locale: 'pt-BR' });

  test('the viewer speaks pt-BR', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('#try-sample')).toHaveText('Abrir um plano de exemplo');
    await page.locator('#try-sample').click();
    await waitDone(page, SAMPLE);
    await expect(page.locator('#vt-grid [role=columnheader]')).toHaveText(['Id', 'Nome da tarefa', 'Duração', 'Início', 'Término', '% concluída']);
    await expect(page.locator('#viewer-tab-resources')).toHaveText('Planilha de recursos');
    await expect(page.locator('#viewer-zoom option[value="weeks"]')).toHaveText('Semanas');
    await expect(page.locator(`${ROWS}[data-id="3"] .vt-duration`)).toHaveText('1 dia');
    await page.locator(`${ROWS}[data-id="15"]`).click();
    await expect(page.locator('#task-details h4').first()).toHaveText('Anotações');
    await expect(page.locator('#task-details')).toContainText('11 Design approved (TI)');
    await expect(page.locator('#task-details dt', { hasText: 'Trabalho' }).locator('+ dd')).toHaveText('80 h');
    await page.selectOption('#viewer-zoom', 'months');
    expect(await timescale(page)).toContain('abr');
    await screenshot(page, 'viewer-sample-pt-BR');
    expect(await axeViolations(page)).toEqual([]);
  });
});
