// The worker protocol as the page sees it, the web manifest, and the service worker's updates.
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FILES, card, cliXml, corpusFile, distDir, fileItem, openApp, serveFolder, waitDone } from './helpers.mjs';

/** Records every message from the worker and what the page posts to it. */
async function spyOnWorker(page) {
  await page.addInitScript(() => {
    window.__fromWorker = [];
    window.__toWorker = [];
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(...args) {
        super(...args);
        // Each message is an envelope: the typed message, and the transferred buffer if any.
        this.addEventListener('message', (e) => {
          const m = e.data.message;
          const d = m.data || {};
          window.__fromWorker.push({
            type: m.type, id: d.id, stage: d.stage, fraction: d.fraction, kind: d.kind, message: d.message,
            xmlIsBuffer: e.data.buffer instanceof ArrayBuffer, xmlLength: e.data.buffer?.byteLength,
            summary: d.summary, warnings: d.warnings, plan: d.plan,
          });
        });
      }
      postMessage(msg, transfer) {
        const size = msg?.buffer?.byteLength;
        super.postMessage(msg, transfer);
        window.__toWorker.push({
          type: msg?.message?.type, id: msg?.message?.data?.id, name: msg?.message?.data?.name, size,
          detachedAfterSend: msg?.buffer?.byteLength === 0,
          listedForTransfer: Array.isArray(transfer) && transfer.includes(msg?.buffer),
        });
      }
    };
  });
}

test('the worker protocol: ready first, progress, then the XML transferred back; input transferred, not copied', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await spyOnWorker(page);
  await openApp(page);
  await page.setInputFiles('#file-input', [
    fileItem(file),
    { name: 'junk.mpp', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\x03\x04 not a project') },
  ]);
  await waitDone(page, name);
  await expect(card(page, 'junk.mpp')).toHaveAttribute('data-state', 'error');

  const sent = await page.evaluate(() => window.__toWorker);
  expect(sent.map((m) => m.type)).toEqual(['convert', 'convert']);
  expect(sent[0]).toMatchObject({ name, size: fileItem(file).buffer.length, detachedAfterSend: true, listedForTransfer: true });

  const got = await page.evaluate(() => window.__fromWorker);
  expect(got[0].type).toBe('ready');
  const first = got.filter((m) => m.id === sent[0].id);
  const progress = first.filter((m) => m.type === 'progress');
  expect(progress.length).toBeGreaterThan(2);
  for (const p of progress) {
    expect(typeof p.stage).toBe('string');
    expect(p.fraction).toBeGreaterThanOrEqual(0);
    expect(p.fraction).toBeLessThanOrEqual(1);
  }
  const done = first.at(-1);
  expect(done.type).toBe('done');
  expect(done.xmlIsBuffer).toBe(true);
  expect(done.xmlLength).toBe(cliXml(file).length);
  expect(done.summary).toMatchObject({ format: 'MPP14', tasks: 4, resources: 5, assignments: 5, calendars: 7, template: false });
  expect(Array.isArray(done.warnings)).toBe(true);
  expect(done.plan.tasks[0]).toMatchObject({
    id: 1, outlineLevel: 1, name: 'Task A', duration: { value: 6, unit: 'd' }, summary: false, milestone: false,
  });
  expect(done.plan.tasks[0].resources.map((r) => r.name)).toEqual(['Wade Golden', 'Jon Iles', 'Brian Leach']);
  expect(done.plan.resources[0]).toMatchObject({ id: 1, name: 'Wade Golden', kind: 'work', maxUnits: 1 });

  const failed = got.filter((m) => m.id === sent[1].id).at(-1);
  expect(failed).toMatchObject({ type: 'failed', kind: 'not_mpp' });
  expect(failed.message).toMatch(/not a Microsoft Project/);
});

test('the web manifest names the app, its icons, standalone display and .mpp/.mpt file handlers', async ({ page, request }) => {
  await openApp(page);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(href, page.url()).href;
  const manifest = await (await request.get(manifestUrl)).json();
  expect(manifest.name).toContain('mpp2xml');
  expect(manifest.short_name).toBe('mpp2xml');
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBeTruthy();
  const sizes = manifest.icons.map((i) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) {
    const res = await request.get(new URL(icon.src, manifestUrl).href);
    expect(res.ok()).toBe(true);
    const png = await res.body();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
  }
  const extensions = manifest.file_handlers.flatMap((h) => Object.values(h.accept).flat());
  expect(extensions).toEqual(expect.arrayContaining(['.mpp', '.mpt']));
  expect(manifest.launch_handler).toBeTruthy();
});

test('the service worker precaches the shell, the wasm and the worker under a content-hash cache', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const cache = await caches.open(keys[0]);
    return { keys, urls: (await cache.keys()).map((r) => new URL(r.url).pathname) };
  });
  expect(cached.keys).toHaveLength(1);
  expect(cached.keys[0]).toMatch(/^mpp2xml-[0-9a-f]{16}$/);
  for (const needed of ['/', '/index.html', '/worker.js', '/worker_bg.wasm', '/worker_loader.js', '/manifest.webmanifest']) {
    expect(cached.urls).toContain(needed);
  }
  expect(cached.urls.some((u) => /^\/frontend-[0-9a-f]+_bg\.wasm$/.test(u))).toBe(true);
  expect(cached.urls.some((u) => /^\/frontend-[0-9a-f]+\.js$/.test(u))).toBe(true);
});

test('the service worker leaves the server API to the network, never to its cache', async ({ page }) => {
  await openApp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const probe = (r) => new URL(r.url()).pathname === '/api/v1/config' && new URL(r.url()).search === '?probe';
  const [response] = await Promise.all([
    page.waitForResponse(probe),
    page.evaluate(() => fetch('/api/v1/config?probe').then((r) => r.status)),
  ]);
  expect(response.fromServiceWorker(), 'the API answer came through the service worker').toBe(false);
});

test('a new deployment is picked up: the new service worker takes over, old caches go, the page offers a reload', async ({ page }) => {
  if (!fs.existsSync(path.join(distDir, 'sw.js'))) {
    test.skip(true, `no built app at ${distDir} (set DIST_DIR); skipping the update test`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpp2xml-dist-'));
  fs.cpSync(distDir, dir, { recursive: true });
  const { server, url } = await serveFolder(dir);
  try {
    await page.goto(url);
    await expect(page.locator('#drop-zone')).toBeVisible();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const before = await page.evaluate(() => caches.keys());
    expect(before).toHaveLength(1);
    await expect(page.locator('#update-notice')).toHaveCount(0);

    // Deploy a new version: the same files under another cache name.
    const sw = path.join(dir, 'sw.js');
    const original = fs.readFileSync(sw, 'utf8');
    const next = original.replace(/^const CACHE = .*;$/m, 'const CACHE = "mpp2xml-ffffffffffffffff";');
    expect(next).not.toBe(original);
    fs.writeFileSync(sw, next);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());

    await expect(page.locator('#update-notice')).toBeVisible();
    await expect(page.locator('#update-notice button')).toHaveText('Reload');
    await expect.poll(() => page.evaluate(() => caches.keys())).toEqual(['mpp2xml-ffffffffffffffff']);
    await page.locator('#update-notice button').click();
    await expect(page.locator('#drop-zone')).toBeVisible();
    await expect(page.locator('#update-notice')).toHaveCount(0);
    const scriptUrl = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).active.scriptURL);
    expect(scriptUrl).toBe(`${url}sw.js`);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Headless Chromium has no installed app, so the launch queue is provided the way Chromium
// provides it to an installed PWA opened with files: `launchQueue.setConsumer(cb)`, then
// `cb({files: [FileSystemFileHandle]})`.
test('files opened with the installed app (launchQueue) are converted', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await page.addInitScript(() => {
    // Chromium defines a read-only `launchQueue` of its own; shadow it on the window.
    Object.defineProperty(window, 'launchQueue', {
      configurable: true,
      value: {
        setConsumer(consumer) {
          window.__launchConsumer = consumer;
        },
      },
    });
  });
  await openApp(page);
  await page.waitForFunction(() => typeof window.__launchConsumer === 'function', null, { timeout: 10_000 });
  const b64 = fileItem(file).buffer.toString('base64');
  await page.evaluate(
    ({ name, b64 }) => {
      const bin = atob(b64);
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const handle = { kind: 'file', name, getFile: async () => new File([bytes], name) };
      window.__launchConsumer({ files: [handle] });
    },
    { name, b64 },
  );
  const li = await waitDone(page, name);
  await expect(li.locator('.file-counts')).toContainText('3 tasks, 4 resources');
});
