// Shared helpers: corpus files, dropping and picking files, downloads, the CLI, a ZIP reader.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const corpusDir = path.resolve(process.env.MPP_CORPUS || path.resolve(here, '../../../shared/corpus'));
export const cliBin = path.resolve(process.env.MPP2XML_BIN || path.resolve(here, '../../target/release/mpp2xml'));
/** The built app (for the update test, which deploys into a copy of it). */
export const distDir = path.resolve(process.env.DIST_DIR || path.resolve(here, '../../dist'));
export const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

/** Corpus files the tests use: small, with tasks and resources, three MPP generations. */
export const FILES = {
  main: 'mpp/mpp14resource.mpp',
  three: [
    'mpp/mpp14resource.mpp',
    'mpp/mpp12resource.mpp',
    'mpp/generated/task-durations/task-durations-project2019-mpp14.mpp',
  ],
};

/** The path of a corpus file; skips the test with a clear message when the corpus is absent. */
let warned = false;
export function corpusFile(rel) {
  const file = path.join(corpusDir, rel);
  if (!fs.existsSync(file)) {
    if (!warned) {
      warned = true;
      console.warn(`corpus not found at ${corpusDir} (set MPP_CORPUS): corpus-dependent tests skip`);
    }
    test.skip(true, `corpus file ${file} not found (set MPP_CORPUS to the corpus folder); skipping`);
  }
  return file;
}

/** The CLI's XML for a file (the reference for byte-identical checks). */
export function cliXml(file) {
  if (!fs.existsSync(cliBin)) {
    throw new Error(`the mpp2xml CLI is not at ${cliBin}: build it with 'cargo build --release -p converter' or set MPP2XML_BIN`);
  }
  return execFileSync(cliBin, ['-q', file, '-o', '-'], { maxBuffer: 256 * 1024 * 1024 });
}

/** Opens the app and waits until the worker has said "ready". */
export async function openApp(page) {
  await page.goto('/');
  await expect(page.locator('#drop-zone')).toBeVisible();
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.length > 0);
}

/** Drops files on `target` (any element of the page) as a real drag and drop would. */
export async function dropFiles(page, target, files) {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.buffer).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, payload);
  await page.dispatchEvent(target, 'dragover', { dataTransfer });
  await page.dispatchEvent(target, 'drop', { dataTransfer });
}

/** A corpus file as `{name, buffer}` for dropFiles / setInputFiles. */
export function fileItem(file) {
  return { name: path.basename(file), mimeType: 'application/vnd.ms-project', buffer: fs.readFileSync(file) };
}

/** The `li.file` of a file name. */
export function card(page, name) {
  return page.locator(`#files li.file[data-name="${name}"]`);
}

/** Waits until a file is done (or fails the test with its error text). */
export async function waitDone(page, name, timeout = 60_000) {
  const li = card(page, name);
  await expect(li).toHaveAttribute('data-state', /done|error/, { timeout });
  const state = await li.getAttribute('data-state');
  if (state !== 'done') {
    throw new Error(`${name} failed: ${await li.locator('.file-error').textContent()}`);
  }
  return li;
}

/** Clicks something that downloads and returns `{name, bytes}`. */
export async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}

/**
 * Whether the page can reach its server: a fresh API request (the service worker always sends
 * the API to the network). With the network cut it fails, whatever `navigator.onLine` says.
 */
export async function serverReachable(page) {
  return page.evaluate(async () => {
    try {
      await fetch(`/api/v1/config?reachable=${Date.now()}`, { cache: 'no-store' });
      return true;
    } catch {
      return false;
    }
  });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: a <script> tag would be an inline script, which
  // the served app's Content-Security-Policy rightly blocks.
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads a ZIP of STORED entries through its central directory, checking each CRC. */
export function readZip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory record');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central header at ${at}`);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    if (method !== 0) throw new Error(`${name}: method ${method}, expected STORED`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    entries.push({ name, data });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Serves a folder on a free loopback port, every response with `headers`. */
export async function serveFolder(dir, headers = {}) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
    '.png': 'image/png', '.webmanifest': 'application/manifest+json' };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(dir, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(dir) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

