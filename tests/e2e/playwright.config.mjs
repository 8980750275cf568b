// End-to-end tests of the built app (dist/) in headless Debian Chromium.
//
// Env: BASE_URL   the served app (default: this config serves ../../dist itself with
//                 `python3 -m http.server`, which sends .wasm as application/wasm);
//      MPP_CORPUS the corpus folder (default ../../../shared/corpus from this folder);
//      MPP2XML_BIN the release CLI, for the byte-identical check
//                  (default ../../target/release/mpp2xml).
import { defineConfig } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import chromiumLaunch from './chromium-launch.cjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.E2E_PORT || 8093);
const ownServer = !process.env.BASE_URL;
const baseURL = process.env.BASE_URL || `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs/,
  outputDir: path.join(here, 'test-results'),
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  // On CI (2 shared cores) a test that fails once is run again and reported as flaky, so a
  // slow machine cannot hide a real failure (it fails twice) nor fail the build by a hiccup.
  retries: process.env.CI ? 1 : 0,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL,
    acceptDownloads: true,
    locale: 'en-US',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunch,
  },
  webServer: ownServer
    ? {
        command: `python3 -m http.server ${port} --bind 127.0.0.1 --directory ${path.resolve(here, '../../dist')}`,
        url: baseURL,
        reuseExistingServer: false,
        stderr: 'ignore',
        timeout: 20_000,
      }
    : undefined,
});
