// The end-to-end checks of the browser app.
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  FILES, axeViolations, card, cliXml, corpusFile, distDir, download, dropFiles, fileItem, openApp,
  readZip, screenshot, serveFolder, serverReachable, waitDone,
} from './helpers.mjs';

test('a dropped corpus file is previewed and its XML is byte-identical to the CLI output', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await openApp(page);
  // Dropped on the page header, not on the drop zone: dropping anywhere works.
  await dropFiles(page, 'header', [fileItem(file)]);
  const li = await waitDone(page, name);

  await expect(li.locator('.file-version')).toContainText('MPP14');
  await expect(li.locator('.file-counts')).toHaveText('3 tasks, 4 resources, 5 assignments, 7 calendars');
  expect(Number(await li.getAttribute('data-ms'))).toBeGreaterThan(0);
  await expect(li.locator('progress')).toHaveJSProperty('value', 1);

  // The viewer lists the file's tasks (indented by outline level) beside the Gantt chart, and
  // its resources.
  const rows = page.locator('#preview #vt-grid .vt-row[data-id]');
  await expect(rows.first()).toBeVisible();
  const ids = await rows.locator('.vt-id').allTextContents();
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
  const xml = cliXml(file);
  const text = xml.toString('utf8');
  for (const taskName of await rows.locator('.vt-name-text').allTextContents()) {
    if (taskName) expect(text).toContain(`<Name>${taskName}</Name>`);
  }
  await expect(page.locator('#preview .vg-body')).toBeVisible();
  await page.locator('#viewer-tab-resources').click();
  await expect(page.locator('#preview table#resource-table tr.resource-row')).not.toHaveCount(0);

  const dl = await download(page, li.locator('a.download-xml'));
  expect(dl.name).toBe(name.replace(/\.mpp$/, '.xml'));
  expect(dl.bytes.length).toBe(xml.length);
  expect(Buffer.compare(dl.bytes, xml)).toBe(0);
  await screenshot(page, 'converted-en');
});

test('no request leaves the page carrying the file while it converts', async ({ page, baseURL }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await openApp(page);
  const origin = new URL(baseURL).origin;
  const requests = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() }));
  await page.setInputFiles('#file-input', fileItem(file));
  await waitDone(page, name);
  const bytes = fileItem(file).buffer;
  const marker = bytes.subarray(0, 64);
  for (const r of requests) {
    if (r.method === 'POST' && new URL(r.url).pathname === '/api/v1/telemetry') {
      // The one request with a body: the anonymous report that a conversion happened.
      const text = r.body.toString('utf8');
      expect(Object.keys(JSON.parse(text)).sort()).toEqual(['duration_ms', 'outcome', 'size_bucket', 'version']);
      expect(text).not.toContain(name);
      continue;
    }
    expect(r.body, `${r.method} ${r.url} has a body`).toBeNull();
    expect(r.method).toBe('GET');
    const url = new URL(r.url);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      expect(url.origin, `${r.url} leaves the app's origin`).toBe(origin);
    }
    expect(r.url.includes(marker.toString('base64'))).toBe(false);
  }
});

test('a file that is not MPP shows a clear error, and the next file still converts', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await openApp(page);
  await page.setInputFiles('#file-input', [
    { name: 'notes.mpp', mimeType: 'application/octet-stream', buffer: Buffer.from('These are meeting notes, not a project.\n') },
    fileItem(file),
  ]);
  const bad = card(page, 'notes.mpp');
  await expect(bad).toHaveAttribute('data-state', 'error');
  await expect(bad.locator('.file-error')).toContainText('This file is not a Microsoft Project plan');
  await expect(bad.locator('a.download-xml')).toHaveCount(0);
  await waitDone(page, name);
  await expect(page.locator('#status')).toHaveText('1 file converted, 1 file failed.');
  await screenshot(page, 'error-then-success');
});

test('three files at once all convert and the ZIP holds their three XMLs', async ({ page }) => {
  const files = FILES.three.map(corpusFile);
  await openApp(page);
  await expect(page.locator('#download-zip')).toBeDisabled();
  await page.setInputFiles('#file-input', files.map(fileItem));
  for (const f of files) await waitDone(page, path.basename(f));
  await expect(page.locator('#files li.file')).toHaveCount(3);
  const zipButton = page.locator('#download-zip');
  await expect(zipButton).toBeEnabled();
  const dl = await download(page, zipButton);
  expect(dl.name).toBe('mpp2xml.zip');
  const entries = readZip(dl.bytes);
  expect(entries.map((e) => e.name)).toEqual(files.map((f) => path.basename(f).replace(/\.mpp$/, '.xml')));
  for (const [i, f] of files.entries()) {
    expect(Buffer.compare(entries[i].data, cliXml(f)), `${entries[i].name} differs from the CLI`).toBe(0);
  }
  await screenshot(page, 'three-files');
});

test('after one visit the app converts with the network cut', async ({ page, context }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await openApp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  expect(await serverReachable(page)).toBe(true);
  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('#drop-zone')).toBeVisible();
  // The network is really cut: the server cannot be reached from the page (its API always
  // goes to the network). `navigator.onLine` is not asked: some Chromium builds keep it true.
  expect(await serverReachable(page)).toBe(false);
  await page.setInputFiles('#file-input', fileItem(file));
  await waitDone(page, name);
  await expect(page.locator('#preview #vt-grid .vt-row[data-id]').first()).toBeVisible();
  const dl = await download(page, card(page, name).locator('a.download-xml'));
  expect(Buffer.compare(dl.bytes, cliXml(file))).toBe(0);
  await screenshot(page, 'offline');
  await context.setOffline(false);
});

test.describe('Brazilian Portuguese', () => {
  test.use({ locale: 'pt-BR' });

  test('the interface follows the browser language, switches, and remembers the choice', async ({ page }) => {
    await openApp(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
    await expect(page.locator('select#lang')).toHaveValue('pt-BR');
    await expect(page.locator('#files-heading')).toHaveText('Arquivos');
    await expect(page.locator('#drop-zone')).toContainText('Escolher arquivos .mpp ou .mpt');

    await page.setInputFiles('#file-input', [
      { name: 'lista.mpp', mimeType: 'text/plain', buffer: Buffer.from('compras: pão, café\n') },
    ]);
    await expect(card(page, 'lista.mpp').locator('.file-error')).toContainText('Este arquivo não é um plano do Microsoft Project');

    const file = corpusFile(FILES.main);
    await page.setInputFiles('#file-input', fileItem(file));
    const li = await waitDone(page, path.basename(file));
    await expect(li.locator('.file-counts')).toHaveText('3 tarefas, 4 recursos, 5 atribuições, 7 calendários');
    await expect(page.locator('#vt-grid [role=columnheader]').nth(2)).toHaveText('Duração');
    await screenshot(page, 'converted-pt-BR');

    await page.selectOption('select#lang', 'en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.locator('#files-heading')).toHaveText('Files');
    expect(await page.evaluate(() => localStorage.getItem('mpp2xml.lang'))).toBe('en');
    await page.reload();
    await expect(page.locator('select#lang')).toHaveValue('en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
});

test('keyboard: the drop zone is a focusable button that opens the file picker', async ({ page }) => {
  await openApp(page);
  // Listening for the chooser turns on Playwright's file-chooser interception, which takes a
  // protocol round trip of its own: started here, it is in place long before Enter is pressed
  // (started together with the key press, the browser could show its own dialog first, and
  // the event never came).
  const chooserShown = page.waitForEvent('filechooser', { timeout: 15_000 });
  const zone = page.locator('#drop-zone');
  await expect(zone).toHaveJSProperty('tagName', 'BUTTON');
  await page.locator('select#lang').focus();
  await page.keyboard.press('Tab');
  await expect(zone).toBeFocused();
  await page.keyboard.press('Enter');
  const chooser = await chooserShown;
  expect(chooser.isMultiple()).toBe(true);
  const file = corpusFile(FILES.main);
  await chooser.setFiles(fileItem(file));
  await waitDone(page, path.basename(file));
});

for (const locale of ['en-US', 'pt-BR']) {
  test.describe(`accessibility (${locale})`, () => {
    test.use({ locale });

    test('axe-core finds no serious or critical violation, before and after a conversion', async ({ page }) => {
      await openApp(page);
      expect(await axeViolations(page)).toEqual([]);
      const file = corpusFile(FILES.main);
      await page.setInputFiles('#file-input', [
        fileItem(file),
        { name: 'broken.mpp', mimeType: 'application/octet-stream', buffer: Buffer.from('nope') },
      ]);
      await waitDone(page, path.basename(file));
      await expect(card(page, 'broken.mpp')).toHaveAttribute('data-state', 'error');
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `axe-${locale}`);
    });
  });
}

// The backend serves the app with a strict Content-Security-Policy; the app must need nothing
// more than its own files and 'wasm-unsafe-eval' (no inline script or style, nothing external).
test('the app converts under a strict CSP: no inline script or style, nothing external', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    test.skip(true, `no built app at ${distDir} (set DIST_DIR); skipping the CSP test`);
  }
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    + "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
  const { server, url } = await serveFolder(distDir, { 'content-security-policy': csp });
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  try {
    await page.goto(url);
    await expect(page.locator('#drop-zone')).toBeVisible();
    await page.setInputFiles('#file-input', fileItem(file));
    await waitDone(page, name);
    await expect(page.locator('#preview .vt-row[data-level="1"]').first()).toBeVisible();
    const dl = await download(page, card(page, name).locator('a.download-xml'));
    expect(Buffer.compare(dl.bytes, cliXml(file))).toBe(0);
    expect(violations).toEqual([]);
  } finally {
    server.close();
  }
});

// The default server has no payments: the free product, with no Pro interface and no gates.
test('a server without payments shows no Pro interface and gates nothing', async ({ page, request }) => {
  const config = await (await request.get('/api/v1/config')).json();
  expect(config.payments ?? false).toBe(false);
  expect(config.licence_required ?? false).toBe(false);
  const files = FILES.three.map(corpusFile);
  await openApp(page);
  await page.setInputFiles('#file-input', files.map(fileItem));
  for (const f of files) await waitDone(page, path.basename(f));
  await expect(page.locator('#licence')).toHaveCount(0);
  await expect(page.locator('#buy-pro, .buy-pro, .file-pro')).toHaveCount(0);
  await expect(page.locator('#download-zip')).toBeEnabled();
});
