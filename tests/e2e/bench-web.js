#!/usr/bin/env node
// The browser half of `cargo xtask bench-web` (run it through xtask, which builds and serves
// the app and times the native CLI on the same files).
//
//   node bench-web.js BASE_URL WARMUP ROUNDS FILE...
//
// Loads the app in headless Debian Chromium, feeds the files one at a time through
// `#file-input`, waits for each `li.file` to reach `data-state="done"` and reads the worker's
// conversion time from its `data-ms`. Every round reloads the page and converts every file
// once; the first WARMUP rounds are not counted (Chromium compiles wasm with a baseline
// compiler first and optimises hot code later, so first runs are slower). Prints one line per file to standard output, `<median ms>\t<file>`, in the order
// given; progress goes to standard error. Fails when a file does not convert.
'use strict';

const path = require('node:path');

const LAUNCH = require('./chromium-launch.cjs');
const TIMEOUT_MS = 120_000;

function chromium() {
  for (const name of ['playwright-core', '@playwright/test', 'playwright']) {
    try {
      return require(name).chromium;
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error('no Playwright package here: run `npm ci` in tests/e2e');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/// Converts `file` once on `page` and returns the worker's time in ms.
async function convert(page, file) {
  const name = path.basename(file);
  const before = await page.evaluate(
    (n) => [...document.querySelectorAll('li.file')].filter((li) => li.dataset.name === n).length,
    name,
  );
  await page.setInputFiles('#file-input', file);
  const item = await page.waitForFunction(
    ([n, index]) => {
      const li = [...document.querySelectorAll('li.file')].filter((el) => el.dataset.name === n)[
        index
      ];
      return li && (li.dataset.state === 'done' || li.dataset.state === 'error') ? li : null;
    },
    [name, before],
    { timeout: TIMEOUT_MS, polling: 20 },
  );
  const { state, ms, error } = await item.evaluate((li) => ({
    state: li.dataset.state,
    ms: li.dataset.ms,
    error: li.querySelector('.file-error')?.textContent,
  }));
  if (state !== 'done') throw new Error(`${name} did not convert: ${error}`);
  const value = Number(ms);
  if (!Number.isFinite(value)) throw new Error(`${name}: no worker time (data-ms="${ms}")`);
  return value;
}

async function main() {
  const [baseUrl, warmupText, roundsText, ...files] = process.argv.slice(2);
  const [warmup, rounds] = [Number(warmupText), Number(roundsText)];
  if (
    !baseUrl ||
    !Number.isInteger(warmup) ||
    warmup < 0 ||
    !Number.isInteger(rounds) ||
    rounds < 1 ||
    files.length === 0
  ) {
    throw new Error('usage: node bench-web.js BASE_URL WARMUP ROUNDS FILE...');
  }
  const browser = await chromium().launch(LAUNCH);
  try {
    // No service worker: every round loads the app from the server, as a first visit does.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
    const times = files.map(() => []);
    for (let round = 1 - warmup; round <= rounds; round += 1) {
      await page.goto(`${baseUrl}/`);
      await page.waitForSelector('#file-input', { state: 'attached', timeout: TIMEOUT_MS });
      for (const [i, file] of files.entries()) {
        const ms = await convert(page, file);
        const label = round < 1 ? 'warm-up' : `round ${round}/${rounds}`;
        if (round >= 1) times[i].push(ms);
        process.stderr.write(`${label}: ${path.basename(file)} ${ms} ms\n`);
      }
    }
    files.forEach((file, i) => console.log(`${median(times[i])}\t${file}`));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`bench-web: ${error.stack || error}\n`);
  process.exit(1);
});
