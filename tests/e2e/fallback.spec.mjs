// The server fallback (files above the browser limit, a worker that runs out of memory) and the
// telemetry of in-browser conversions, against the real server's API.
//
// Only the server's *limits* are changed by the tests (a route on /api/v1/config that keeps the
// server's answer and lowers `browser_max_bytes`), so small corpus files take the server path;
// conversions, problems and telemetry are the real server's. Service workers are blocked: a
// page route does not see requests a service worker makes, and the worker's wasm must come
// through the route in the crash test.
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  FILES, axeViolations, card, cliXml, corpusFile, download, fileItem, openApp, readZip, screenshot, waitDone,
} from './helpers.mjs';

test.use({ serviceWorkers: 'block' });

/** Answers /api/v1/config with the server's own config, changed by `overrides`. */
async function serverLimits(page, overrides) {
  await page.route('**/api/v1/config', async (route) => {
    const response = await route.fetch();
    expect(response.status(), 'the server answers GET /api/v1/config').toBe(200);
    const config = await response.json();
    expect(config).toMatchObject({ browser_max_bytes: expect.any(Number), upload_max_bytes: expect.any(Number) });
    await route.fulfill({ status: 200, contentType: 'application/json', json: { ...config, ...overrides } });
  });
}

/** Records the page's requests to one API path with their bodies. */
function recordApi(page, pathname) {
  const seen = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === pathname) {
      seen.push({ url, method: r.method(), body: r.postDataBuffer(), headers: r.headers() });
    }
  });
  return seen;
}

/** Says yes to the question a file waits with before it goes to the server: nothing was sent before. */
async function consentToServer(page, name, converts = []) {
  const li = card(page, name);
  await expect(li).toHaveAttribute('data-state', 'asking');
  expect(converts.filter((r) => r.url.searchParams.get('name') === name), `${name} was sent before the user chose`).toEqual([]);
  await li.getByRole('button', { name: /^Convert on our server/ }).click();
}

/** Remembers "Convert on our server" on this device before the app loads, as a user who chose it once. */
async function rememberServerChoice(page) {
  await page.addInitScript(() => localStorage.setItem('mpp2xml.server-consent', 'server'));
}

function readLeb(buf, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/**
 * The worker's real wasm with one change: its memory may grow by only `extraPages` 64 KiB
 * pages. The engine then runs out of memory on a real file the way a small device does: the
 * allocation fails and the wasm traps (`RuntimeError: unreachable`).
 */
function capMemory(wasm, extraPages) {
  let at = 8; // magic and version
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, body] = readLeb(wasm, at + 1);
    if (id === 5) {
      const [count, limits] = readLeb(wasm, body);
      expect(count, 'one memory').toBe(1);
      expect(wasm[limits], 'the memory has no maximum yet').toBe(0);
      const [initial, end] = readLeb(wasm, limits + 1);
      expect(end).toBe(body + size);
      const payload = Buffer.concat([leb(1), Buffer.from([1]), leb(initial), leb(initial + extraPages)]);
      return Buffer.concat([wasm.subarray(0, at), Buffer.from([5]), leb(payload.length), payload, wasm.subarray(end)]);
    }
    at = body + size;
  }
  throw new Error('the worker wasm defines no memory of its own');
}

test('a file above the browser limit is converted on the server: notice, byte-identical XML, the request carried the file', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  const bytes = fs.readFileSync(file);
  await serverLimits(page, { browser_max_bytes: bytes.length - 1 });
  const converts = recordApi(page, '/api/v1/convert');
  const telemetry = recordApi(page, '/api/v1/telemetry');
  await openApp(page);
  await expect(page.locator('#privacy')).toContainText('is sent to this site\'s server to convert only if you choose to');

  await page.setInputFiles('#file-input', fileItem(file));
  await consentToServer(page, name, converts);
  const li = await waitDone(page, name);
  await expect(li).toHaveAttribute('data-where', 'server');
  await expect(li.locator('.file-notice')).toHaveText(
    /^Sent to this site's server to convert, because it is larger than .+, the most this app converts in your browser\. Only this file is sent\.$/,
  );
  await expect(li.locator('.file-time')).toContainText('Converted on the server in');
  // The server's typed summary (X-Mpp-Summary) carries the application that saved the file.
  await expect(li.locator('.file-version')).toContainText('MPP14 · Saved by: Project 2010');
  // The server sends counts, not rows: its summary's (the project summary task included).
  await expect(li.locator('.file-counts')).toContainText('3 tasks, 4 resources, 5 assignments, 7 calendars');

  // The viewer shows the plan the worker read from the server's XML: the same tasks.
  const rows = page.locator('#preview #vt-grid .vt-row[data-id]');
  await expect(rows.first()).toBeVisible();
  const serverXml = cliXml(file).toString('utf8');
  const names = await rows.locator('.vt-name-text').allTextContents();
  expect(names.length).toBeGreaterThan(0);
  for (const n of names) expect(serverXml).toContain(`<Name>${n}</Name>`);
  await expect(page.locator('#preview .vg-body .vg-row')).toHaveCount(names.length);

  const dl = await download(page, li.locator('a.download-xml'));
  expect(dl.name).toBe(name.replace(/\.mpp$/, '.xml'));
  expect(Buffer.compare(dl.bytes, cliXml(file)), 'the server\'s XML differs from the CLI\'s').toBe(0);

  expect(converts).toHaveLength(1);
  expect(converts[0].method).toBe('POST');
  expect(converts[0].url.searchParams.get('name')).toBe(name);
  expect(converts[0].headers['content-type']).toBe('application/octet-stream');
  expect(Buffer.compare(converts[0].body, bytes), 'the request body is the file').toBe(0);
  // The server counts its own conversions: no telemetry for this one.
  expect(telemetry).toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'fallback-size-en');
});

test('a large file goes to the server while small ones convert in the browser, and the ZIP holds all', async ({ page }) => {
  const files = FILES.three.map(corpusFile);
  const sizes = files.map((f) => fs.statSync(f).size);
  // The limit sits below the largest file only.
  const limit = Math.max(...sizes) - 1;
  const expected = sizes.map((s) => (s > limit ? 'server' : 'browser'));
  expect(expected.filter((w) => w === 'server')).toHaveLength(1);
  await serverLimits(page, { browser_max_bytes: limit });
  await openApp(page);
  await page.setInputFiles('#file-input', files.map(fileItem));
  await consentToServer(page, path.basename(files[expected.indexOf('server')]));
  for (const f of files) await waitDone(page, path.basename(f));
  const where = await page.locator('#files li.file').evaluateAll((lis) => lis.map((li) => li.dataset.where));
  expect(where).toEqual(expected);
  const dl = await download(page, page.locator('#download-zip'));
  const entries = readZip(dl.bytes);
  expect(entries.map((e) => e.name)).toEqual(files.map((f) => path.basename(f).replace(/\.mpp$/, '.xml')));
  for (const [i, f] of files.entries()) {
    expect(Buffer.compare(entries[i].data, cliXml(f)), `${entries[i].name} differs from the CLI`).toBe(0);
  }
});

test('when the worker runs out of memory, the file is converted on the server and the next file in the browser again', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  const later = corpusFile(FILES.three[1]);
  const laterName = path.basename(later);
  // The size limit is out of the way: only the memory sends the file to the server.
  await serverLimits(page, { browser_max_bytes: 1 << 30 });
  const wasmLoads = [];
  await page.route('**/worker_bg.wasm', async (route) => {
    const response = await route.fetch();
    const real = await response.body();
    const first = wasmLoads.length === 0;
    wasmLoads.push(first ? 'capped' : 'real');
    // The first worker gets 4 pages (256 KiB) to grow into: enough to start, not to convert.
    await route.fulfill({ status: 200, contentType: 'application/wasm', body: first ? capMemory(real, 4) : real });
  });
  // What the page's workers report when they die.
  await page.addInitScript(() => {
    window.__workerErrors = [];
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(...args) {
        super(...args);
        this.addEventListener('error', (e) => window.__workerErrors.push(String(e.message)));
      }
    };
  });
  const converts = recordApi(page, '/api/v1/convert');
  const telemetry = recordApi(page, '/api/v1/telemetry');
  await openApp(page);
  await expect(page.locator('#status')).toContainText('Ready');

  await page.setInputFiles('#file-input', fileItem(file));
  // Out of memory, the file waits for the same consent as a large one.
  await expect(card(page, name).locator('.file-consent')).toContainText('Your browser ran out of memory on this file.');
  await consentToServer(page, name, converts);
  const li = await waitDone(page, name);
  await expect(li).toHaveAttribute('data-where', 'server');
  // The engine's allocation failed and its wasm trapped, as on a device out of memory.
  expect(await page.evaluate(() => window.__workerErrors)).toEqual([expect.stringMatching(/RuntimeError: unreachable/)]);
  await expect(li.locator('.file-notice')).toHaveText(
    'Your browser ran out of memory on this file, so it was sent to this site\'s server to convert instead. Only this file is sent.',
  );
  expect(converts).toHaveLength(1);
  expect(Buffer.compare(converts[0].body, fileItem(file).buffer)).toBe(0);
  const dl = await download(page, li.locator('a.download-xml'));
  expect(Buffer.compare(dl.bytes, cliXml(file))).toBe(0);
  expect(telemetry, 'no telemetry for a crash or a server conversion').toEqual([]);

  await page.setInputFiles('#file-input', fileItem(later));
  const next = await waitDone(page, laterName);
  await expect(next).toHaveAttribute('data-where', 'browser');
  await expect(next.locator('.file-notice')).toHaveCount(0);
  expect(wasmLoads, 'a fresh worker loaded the real wasm').toEqual(['capped', 'real']);
  await expect(page.locator('#preview #vt-grid .vt-row[data-id]').first()).toBeVisible();
  expect(converts).toHaveLength(1);
  await screenshot(page, 'fallback-memory');
});

test('an in-browser conversion sends one anonymous telemetry report: four fields, no name', async ({ page, request }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  const size = fs.statSync(file).size;
  const config = await (await request.get('/api/v1/config')).json();
  expect(config.browser_max_bytes, 'the server\'s default limit lets this file convert in the browser').toBeGreaterThanOrEqual(size);
  const telemetry = recordApi(page, '/api/v1/telemetry');
  const answers = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/telemetry') answers.push(r.status());
  });
  await openApp(page);
  await page.setInputFiles('#file-input', fileItem(file));
  const li = await waitDone(page, name);
  await expect(li).toHaveAttribute('data-where', 'browser');
  await expect.poll(() => answers.length).toBe(1);
  expect(answers).toEqual([204]);
  expect(telemetry).toHaveLength(1);
  const report = telemetry[0];
  expect(report.method).toBe('POST');
  expect(report.url.search).toBe('');
  expect(report.headers['content-type']).toBe('application/json');
  const text = report.body.toString('utf8');
  expect(text).not.toContain(name);
  expect(text).not.toContain(path.parse(name).name);
  const json = JSON.parse(text);
  expect(Object.keys(json).sort()).toEqual(['duration_ms', 'outcome', 'size_bucket', 'version']);
  expect(json).toMatchObject({ outcome: 'ok', version: 'MPP14', size_bucket: '100k_1m' });
  expect(Number.isInteger(json.duration_ms)).toBe(true);
  expect(json.duration_ms).toBeGreaterThanOrEqual(0);

  // An engine error is reported by its kind.
  await page.setInputFiles('#file-input', [
    { name: 'minutes.mpp', mimeType: 'application/octet-stream', buffer: Buffer.from('Minutes of the meeting.\n') },
  ]);
  await expect(card(page, 'minutes.mpp')).toHaveAttribute('data-state', 'error');
  await expect.poll(() => answers.length).toBe(2);
  expect(answers).toEqual([204, 204]);
  const second = JSON.parse(telemetry[1].body.toString('utf8'));
  expect(second).toEqual({ outcome: 'not_mpp', version: 'unknown', size_bucket: 'lt_100k', duration_ms: second.duration_ms });
});

test('the server\'s problem for a non-MPP file over the limit reaches the user as its sentence', async ({ page }) => {
  await serverLimits(page, { browser_max_bytes: 16 });
  const problems = [];
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname === '/api/v1/convert') {
      problems.push({ status: r.status(), type: r.headers()['content-type'], body: await r.json() });
    }
  });
  await openApp(page);
  await page.setInputFiles('#file-input', [
    { name: 'agenda.mpp', mimeType: 'application/octet-stream', buffer: Buffer.from('An agenda for Monday, not a project plan.\n') },
  ]);
  await consentToServer(page, 'agenda.mpp');
  const li = card(page, 'agenda.mpp');
  await expect(li).toHaveAttribute('data-state', 'error');
  await expect.poll(() => problems.length).toBe(1);
  expect(problems[0].status).toBe(422);
  expect(problems[0].type).toContain('application/problem+json');
  expect(problems[0].body).toMatchObject({ code: 'unreadable', kind: 'not_mpp', status: 422 });
  await expect(li.locator('.file-notice')).toContainText('larger than 16 B');
  await expect(li.locator('.file-error')).toContainText('This file is not a Microsoft Project plan, even though its name may end in .mpp');
  await li.locator('.file-error-more summary').click();
  await expect(li.locator('.file-error-detail')).toHaveText(problems[0].body.detail);
  await expect(li.locator('a.download-xml')).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'fallback-problem');
});

// The server's 429/503 and an unreachable server cannot be produced on demand without
// flooding it, so these answers are given by a route, in the contract's form; the test checks
// how the page reads them (Retry-After, max_bytes, no answer), and the pre-upload check.
test('busy, rate-limited, too large and unreachable each read as one sentence', async ({ page }) => {
  await serverLimits(page, { browser_max_bytes: 8, upload_max_bytes: 100 });
  await rememberServerChoice(page);
  const problem = (status, code, extra = {}) => ({
    type: `urn:mpp2xml:problem:${code}`, title: code, status, detail: `The ${code} sentence.`, code, ...extra,
  });
  const asked = [];
  await page.route('**/api/v1/convert?*', async (route) => {
    const name = new URL(route.request().url()).searchParams.get('name');
    asked.push(name);
    if (name === 'a.mpp') {
      await route.fulfill({ status: 429, headers: { 'retry-after': '7' }, contentType: 'application/problem+json', json: problem(429, 'rate_limited', { retry_after: 7 }) });
    } else if (name === 'b.mpp') {
      await route.fulfill({ status: 503, headers: { 'retry-after': '1' }, contentType: 'application/problem+json', json: problem(503, 'busy', { retry_after: 1 }) });
    } else if (name === 'c.mpp') {
      await route.fulfill({ status: 413, contentType: 'application/problem+json', json: problem(413, 'too_large', { max_bytes: 2048 }) });
    } else {
      await route.abort('connectionrefused');
    }
  });
  await openApp(page);
  const file = (name, size) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.alloc(size, 7) });
  await page.setInputFiles('#file-input', [file('a.mpp', 20), file('b.mpp', 20), file('c.mpp', 20), file('d.mpp', 20), file('e.mpp', 200)]);
  const expected = {
    'a.mpp': 'The server has received too many files from you just now. Try again in 7 seconds.',
    'b.mpp': 'The server is busy. Try again in 1 second.',
    'c.mpp': 'This file is too large even for the server (the limit is 2 KB).',
    'd.mpp': 'The server could not be reached, so this file was not converted. Check your connection and try again.',
    'e.mpp': 'This file is too large even for the server (the limit is 100 B).',
  };
  for (const [name, sentence] of Object.entries(expected)) {
    const li = card(page, name);
    await expect(li).toHaveAttribute('data-state', 'error');
    await expect(li.locator('.file-error > span').first()).toHaveText(sentence);
  }
  expect(asked.sort(), 'e.mpp is over the upload limit and is not sent').toEqual(['a.mpp', 'b.mpp', 'c.mpp', 'd.mpp']);
  await expect(card(page, 'e.mpp').locator('.file-notice')).toHaveCount(0);
});

test.describe('Brazilian Portuguese', () => {
  test.use({ locale: 'pt-BR' });

  test('the server fallback is explained in pt-BR', async ({ page }) => {
    const file = corpusFile(FILES.main);
    const name = path.basename(file);
    await serverLimits(page, { browser_max_bytes: 100 * 1024 });
    await openApp(page);
    await expect(page.locator('#privacy')).toContainText('Arquivos de até 100 KB são convertidos neste dispositivo');
    await page.setInputFiles('#file-input', fileItem(file));
    await card(page, name).getByRole('button', { name: /^Converter no nosso servidor/ }).click();
    const li = await waitDone(page, name);
    await expect(li.locator('.file-notice')).toHaveText(
      'Enviado ao servidor deste site para conversão, porque é maior que 100 KB, o máximo que este app converte no navegador. Só este arquivo é enviado.',
    );
    await expect(li.locator('.file-time')).toContainText('Convertido no servidor em');
    await expect(li.locator('.file-counts')).toContainText('3 tarefas, 4 recursos');
    await expect(page.locator('#vt-grid [role=columnheader]').nth(1)).toHaveText('Nome da tarefa');
    await screenshot(page, 'fallback-size-pt-BR');
  });
});

test('with no server API the app converts everything in the browser, as before', async ({ page }) => {
  const file = corpusFile(FILES.main);
  const name = path.basename(file);
  await page.route('**/api/v1/config', (route) => route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{}' }));
  const api = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && !r.url().endsWith('/api/v1/config')) api.push(r.url());
  });
  await openApp(page);
  await expect(page.locator('#privacy')).toHaveText('Your files are converted on this device. Nothing is uploaded.');
  await page.setInputFiles('#file-input', fileItem(file));
  const li = await waitDone(page, name);
  await expect(li).toHaveAttribute('data-where', 'browser');
  expect(api, 'no conversion and no telemetry go to a server without the API').toEqual([]);
});
