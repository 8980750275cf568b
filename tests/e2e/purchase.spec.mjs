// Pro: the purchase through Stripe Checkout (a local fake, tests/e2e/fake-stripe.mjs), the
// licence kept and checked offline, the gates of the free plan, pasting a licence on another
// device, and the server's word on a revoked licence.
//
// Runs against PAY_BASE_URL: a server with payments configured (`cargo xtask test` starts it
// beside the default one, on the same licence key as the app's build, with the fake as its
// Stripe API). FAKE_STRIPE_URL is the fake; LICENCE_KEY_FILE the signing key (default
// ../../data/licence.key), used here only to make an expired licence.
import { test, expect } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FILES, axeViolations, card, cliXml, corpusFile, download, fileItem, openApp, readZip, screenshot,
  serverReachable, waitDone,
} from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const payBase = process.env.PAY_BASE_URL;
const fake = process.env.FAKE_STRIPE_URL;
const keyFile = path.resolve(process.env.LICENCE_KEY_FILE || path.resolve(here, '../../data/licence.key'));

test.skip(!payBase || !fake, 'PAY_BASE_URL and FAKE_STRIPE_URL are not set (`cargo xtask test` starts a server '
  + 'selling Pro through the fake Stripe): skipping the purchase tests');
test.use({ baseURL: payBase });

const LICENCE = 'mpp2xml.licence';

/** The claims of a token, read without checking (the app and the server check). */
function claimsOf(token) {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** One character of the token's payload changed: a forged licence. */
function tampered(token) {
  const [v, payload, sig] = token.split('.');
  const claims = claimsOf(token);
  claims.exp += 10 * 365 * 86400;
  return [v, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
}

/** A token signed with the servers' key (for the expiry the app must show). */
function signed(claims) {
  const seed = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64url');
  expect(seed.length, `${keyFile} holds a 32-byte seed`).toBe(32);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const body = `v1.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${crypto.sign(null, Buffer.from(body), key).toString('base64url')}`;
}

/** Buys Pro without the app, as another device would have: checkout, pay, fetch the licence. */
async function buyWithoutTheApp(request) {
  const checkout = await request.post(`${payBase}/api/v1/checkout`);
  expect(checkout.status()).toBe(200);
  const { url } = await checkout.json();
  const session = new URL(url).pathname.split('/').pop();
  expect(session).toMatch(/^cs_test_/);
  const before = await request.get(`${payBase}/api/v1/license?session_id=${session}`);
  expect(before.status(), 'no licence before the payment').toBe(409);
  const paid = await request.post(url, { maxRedirects: 0 });
  expect(paid.status()).toBe(303);
  const licence = await request.get(`${payBase}/api/v1/license?session_id=${session}`);
  expect(licence.status()).toBe(200);
  const body = await licence.json();
  expect(body.plan).toBe('pro');
  return { session, token: body.token };
}

async function pasteLicence(page, token) {
  await page.locator('#licence-paste summary').click();
  await page.locator('#licence-input').fill(token);
  await page.locator('#licence-apply').click();
}

/** Opens the app with a stored licence, as a later visit finds it. */
async function storeBeforeLoad(page, token) {
  await page.addInitScript(([key, value]) => {
    if (!sessionStorage.getItem('licence-seeded')) {
      localStorage.setItem(key, value);
      sessionStorage.setItem('licence-seeded', '1');
    }
  }, [LICENCE, token]);
}

test('the server sells Pro and requires it: its config says so', async ({ request }) => {
  const config = await (await request.get(`${payBase}/api/v1/config`)).json();
  expect(config).toMatchObject({ payments: true, licence_required: true });
});

test('free plan: of three files the first converts, the others need Pro, no ZIP; then the purchase, the licence and Pro offline', async ({ page, context, request }) => {
  test.setTimeout(240_000);
  const files = FILES.three.map(corpusFile);
  const names = files.map((f) => path.basename(f));
  await openApp(page);
  const panel = page.locator('#licence');
  await expect(panel).toHaveAttribute('data-licence', 'none');
  await expect(panel).toHaveAttribute('data-plan', 'free');
  await expect(page.locator('#licence-status')).toContainText('You are on the free plan');

  // Free: one file of three.
  await page.setInputFiles('#file-input', files.map(fileItem));
  await waitDone(page, names[0]);
  for (const name of names.slice(1)) {
    const li = card(page, name);
    await expect(li).toHaveAttribute('data-state', 'locked');
    await expect(li.locator('.file-pro')).toContainText('Converting several files at once is part of mpp2xml Pro.');
    await expect(li.locator('button.buy-pro')).toBeVisible();
  }
  await expect(page.locator('#download-zip')).toHaveCount(0);
  await expect(page.locator('#zip-hint')).toHaveText('Several files at once and the ZIP download are part of mpp2xml Pro.');
  await expect(page.locator('#status')).toContainText('1 file converted, 2 need Pro.');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'pro-free-three-files');

  // Buy: the payment page, and the app waiting for the confirmation (the webhook is held).
  await request.post(`${fake}/control/hold`);
  await page.locator('#buy-pro').click();
  await page.waitForURL(`${fake}/pay/**`);
  await expect(page.locator('h1')).toHaveText('Test payment');
  await screenshot(page, 'pro-fake-payment-page');
  await page.locator('#pay').click();
  await page.waitForURL((url) => url.href.startsWith(payBase) && url.searchParams.get('session_id')?.startsWith('cs_test_'));
  const message = page.locator('#licence-message');
  await expect(message).toHaveAttribute('data-note', 'waiting');
  await expect(message).toContainText('Waiting for the payment confirmation');
  await screenshot(page, 'pro-waiting-for-confirmation');
  const released = await (await request.post(`${fake}/control/release`)).json();
  expect(released.delivered).toHaveLength(1);
  expect(released.delivered[0].type).toBe('checkout.session.completed');
  expect(released.delivered[0].status, released.delivered[0].body).toBe(200);
  expect(JSON.parse(released.delivered[0].body)).toEqual({ received: true, duplicate: false });

  // Activated: the token is kept, the plan shown, the query gone.
  await expect(message).toHaveAttribute('data-note', 'activated', { timeout: 60_000 });
  await expect(message).toContainText('Pro activated.');
  await expect(panel).toHaveAttribute('data-licence', 'valid');
  await expect(panel).toHaveAttribute('data-plan', 'pro');
  await expect(page.locator('#licence-status')).toContainText('Pro licence active on this device: plan Pro, valid until');
  await expect(page.locator('#buy-pro')).toHaveCount(0);
  expect(new URL(page.url()).search).toBe('');
  const token = await page.evaluate((key) => localStorage.getItem(key), LICENCE);
  expect(token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
  const claims = claimsOf(token);
  expect(claims.plan).toBe('pro');
  expect(claims.features.sort()).toEqual(['api', 'batch', 'fallback']);
  expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 300 * 86400);
  expect(claims.aud).toBe(new URL(payBase).origin);
  await screenshot(page, 'pro-activated');

  // Pro: three files at once and the ZIP, byte-identical to the CLI.
  await page.setInputFiles('#file-input', files.map(fileItem));
  await expect(page.locator('#files li.file')).toHaveCount(3);
  for (const name of names) await waitDone(page, name);
  const zipButton = page.locator('#download-zip');
  await expect(zipButton).toBeEnabled();
  const dl = await download(page, zipButton);
  const entries = readZip(dl.bytes);
  expect(entries.map((e) => e.name)).toEqual(names.map((n) => n.replace(/\.mpp$/, '.xml')));
  for (const [i, f] of files.entries()) {
    expect(Buffer.compare(entries[i].data, cliXml(f)), `${entries[i].name} differs from the CLI`).toBe(0);
  }
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'pro-three-files');

  // Offline: still Pro (checked with the built-in key), several files still convert.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  expect(await serverReachable(page)).toBe(true);
  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.locator('#drop-zone')).toBeVisible();
    // The network is really cut: the server cannot be reached from the page (its API always
    // goes to the network). `navigator.onLine` is not asked: some Chromium builds keep it true.
    expect(await serverReachable(page)).toBe(false);
    await expect(panel).toHaveAttribute('data-licence', 'valid');
    await expect(page.locator('#licence-status')).toContainText('plan Pro');
    await page.setInputFiles('#file-input', files.slice(0, 2).map(fileItem));
    for (const name of names.slice(0, 2)) await waitDone(page, name);
    await expect(page.locator('#download-zip')).toBeEnabled();
    const offlineZip = readZip((await download(page, page.locator('#download-zip'))).bytes);
    expect(offlineZip).toHaveLength(2);
    await screenshot(page, 'pro-offline');
  } finally {
    await context.setOffline(false);
  }
});

test('a licence pasted on another device unlocks Pro, and the files waiting for it convert', async ({ page, request }) => {
  const { token } = await buyWithoutTheApp(request);
  const files = FILES.three.map(corpusFile);
  const names = files.map((f) => path.basename(f));
  await openApp(page);
  await page.setInputFiles('#file-input', files.map(fileItem));
  await waitDone(page, names[0]);
  await expect(card(page, names[2])).toHaveAttribute('data-state', 'locked');

  await pasteLicence(page, `  ${token}\n`);
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'valid');
  await expect(page.locator('#licence-message')).toHaveAttribute('data-note', 'activated');
  expect(await page.evaluate((key) => localStorage.getItem(key), LICENCE)).toBe(token);
  for (const name of names) await waitDone(page, name);
  await expect(page.locator('#download-zip')).toBeEnabled();
  // The token can be copied from here to yet another device.
  await page.locator('.licence-token summary').click();
  await expect(page.locator('#licence-token')).toHaveValue(token);
  await screenshot(page, 'pro-pasted');

  // Removing it brings the free plan back.
  await page.locator('#licence-remove').click();
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'none');
  await expect(page.locator('#licence-message')).toHaveText('The licence was removed from this device.');
  expect(await page.evaluate((key) => localStorage.getItem(key), LICENCE)).toBeNull();
  await expect(page.locator('#download-zip')).toHaveCount(0);
});

test('a tampered or cut licence is refused with a sentence and not kept', async ({ page, request }) => {
  const { token } = await buyWithoutTheApp(request);
  await openApp(page);
  await pasteLicence(page, tampered(token));
  const error = page.locator('#licence-paste-error');
  await expect(error).toHaveText('This licence token is not valid: it was changed, or it was not issued by this site.');
  await expect(page.locator('#licence-input')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'none');
  expect(await page.evaluate((key) => localStorage.getItem(key), LICENCE)).toBeNull();

  await page.locator('#licence-input').fill(token.slice(0, 60));
  await page.locator('#licence-apply').click();
  await expect(error).toHaveText('This is not an mpp2xml licence token. It may be cut short: paste all of it.');
  expect(await axeViolations(page)).toEqual([]);
  await screenshot(page, 'pro-tampered-refused');

  // The server refuses the forged token too.
  const converted = await request.post(`${payBase}/api/v1/convert`, {
    headers: { authorization: `Bearer ${tampered(token)}`, 'content-type': 'application/octet-stream' },
    data: Buffer.from('not a project'),
  });
  expect(converted.status()).toBe(401);
  expect((await converted.json()).code).toBe('invalid_licence');
});

test('a stored licence that expired, or was changed, is shown as such', async ({ page }) => {
  const now = Math.floor(Date.now() / 1000);
  // The audience is this site's origin: a licence names the site that sold it.
  const aud = new URL(payBase).origin;
  const expired = signed({ lid: 'lic_e2e_expired', plan: 'pro', features: ['batch', 'fallback', 'api'], iat: now - 400 * 86400, exp: now - 35 * 86400, aud });
  await storeBeforeLoad(page, expired);
  await openApp(page);
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'expired');
  await expect(page.locator('#licence-status')).toContainText('Your Pro licence expired on');
  await expect(page.locator('#buy-pro')).toBeVisible();
  // Still stored (the user sees it and may remove it), but not used.
  expect(await page.evaluate((key) => localStorage.getItem(key), LICENCE)).toBe(expired);
  await page.setInputFiles('#file-input', FILES.three.slice(0, 2).map(corpusFile).map(fileItem));
  await expect(card(page, path.basename(FILES.three[1]))).toHaveAttribute('data-state', 'locked');

  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [LICENCE, tampered(expired)]);
  await page.reload();
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'invalid');
  await expect(page.locator('#licence-status')).toContainText('The licence stored on this device cannot be used: This licence token is not valid');
});

test('cancelling on the payment page comes back to a calm sentence, still free', async ({ page }) => {
  await openApp(page);
  await page.locator('#buy-pro').click();
  await page.waitForURL(`${fake}/pay/**`);
  await page.locator('#cancel').click();
  await page.waitForURL((url) => url.href.startsWith(payBase));
  const message = page.locator('#licence-message');
  await expect(message).toHaveAttribute('data-note', 'cancelled');
  await expect(message).toHaveText('The payment was cancelled and nothing was charged. You can keep using the free plan, and buy Pro whenever you like.');
  expect(new URL(page.url()).search).toBe('');
  await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'none');
  await screenshot(page, 'pro-cancelled');
});

test.describe('Brazilian Portuguese', () => {
  test.use({ locale: 'pt-BR' });

  test('the licence panel and the Pro notices are translated and accessible', async ({ page }) => {
    await openApp(page);
    await expect(page.locator('#licence-heading')).toHaveText('mpp2xml Pro');
    await expect(page.locator('#buy-pro')).toHaveText('Comprar o Pro');
    await expect(page.locator('#licence-status')).toContainText('Você está no plano gratuito');
    const files = FILES.three.slice(0, 2).map(corpusFile);
    await page.setInputFiles('#file-input', files.map(fileItem));
    await waitDone(page, path.basename(files[0]));
    await expect(card(page, path.basename(files[1])).locator('.file-pro')).toContainText('faz parte do mpp2xml Pro');
    await page.locator('#licence-paste summary').click();
    await page.locator('#licence-input').fill('v1.abc.def');
    await page.locator('#licence-apply').click();
    await expect(page.locator('#licence-paste-error')).toContainText('Isto não é um token de licença do mpp2xml.');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'pro-pt-BR');
  });
});

// The server fallback needs Pro here: page routes lower the browser limit so a small corpus file
// takes the server path (service workers blocked, so the route sees the app's requests).
test.describe('server conversion', () => {
  test.use({ serviceWorkers: 'block' });

  async function lowLimit(page, bytes) {
    await page.route('**/api/v1/config', async (route) => {
      const response = await route.fetch();
      const config = await response.json();
      await route.fulfill({ status: 200, contentType: 'application/json', json: { ...config, browser_max_bytes: bytes } });
    });
  }

  function recordConverts(page) {
    const seen = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/convert') seen.push(r.headers());
    });
    return seen;
  }

  test('free: a file above the browser limit is not sent, and the card says server conversion is Pro', async ({ page }) => {
    const file = corpusFile(FILES.main);
    const name = path.basename(file);
    await lowLimit(page, fs.statSync(file).size - 1);
    const converts = recordConverts(page);
    await openApp(page);
    await page.setInputFiles('#file-input', fileItem(file));
    const li = card(page, name);
    await expect(li).toHaveAttribute('data-state', 'locked');
    await expect(li.locator('.file-pro')).toContainText('Converting large files on the server is part of mpp2xml Pro, so it was not sent.');
    await expect(li.locator('button.buy-pro')).toBeVisible();
    expect(converts).toEqual([]);
    await screenshot(page, 'pro-free-large-file');
  });

  test('Pro: the server converts with the licence; once refunded, the server says revoked and the app marks it', async ({ page, request }) => {
    const { session, token } = await buyWithoutTheApp(request);
    const file = corpusFile(FILES.main);
    const name = path.basename(file);
    await lowLimit(page, fs.statSync(file).size - 1);
    const converts = recordConverts(page);
    await storeBeforeLoad(page, token);
    // The user chose once to send large files to the server (consent.rs), remembered here.
    await page.addInitScript(() => localStorage.setItem('mpp2xml.server-consent', 'server'));
    await openApp(page);
    await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'valid');
    await page.setInputFiles('#file-input', fileItem(file));
    const li = await waitDone(page, name);
    await expect(li).toHaveAttribute('data-where', 'server');
    const dl = await download(page, li.locator('a.download-xml'));
    expect(Buffer.compare(dl.bytes, cliXml(file))).toBe(0);
    expect(converts).toHaveLength(1);
    expect(converts[0].authorization).toBe(`Bearer ${token}`);

    // A refund revokes the licence on the server; the app learns it from the next conversion.
    const refund = await (await request.post(`${fake}/control/refund/${session}`)).json();
    expect(refund.status, refund.body).toBe(200);
    // (Other instances learn revocations within seconds; this one may answer from its cache
    // until its next refresh, so the file is sent again until the server says no.)
    const again = card(page, 'again.mpp');
    await expect(async () => {
      await page.locator('#clear-files').click();
      await page.setInputFiles('#file-input', { ...fileItem(file), name: 'again.mpp' });
      await expect(again).toHaveAttribute('data-state', /done|error|locked/, { timeout: 15_000 });
      expect(await again.getAttribute('data-state')).toBe('error');
    }).toPass({ timeout: 60_000, intervals: [1_000, 2_000] });
    await expect(again.locator('.file-error')).toHaveText(
      'Your Pro licence was revoked (after a refund or a cancelled subscription), so this site\'s server did not convert this file.',
    );
    await expect(page.locator('#licence')).toHaveAttribute('data-licence', 'revoked');
    await expect(page.locator('#licence-status')).toContainText('says your licence was revoked');
    expect(await page.evaluate(() => localStorage.getItem('mpp2xml.licence.refused'))).toBe('licence_revoked');
    await screenshot(page, 'pro-revoked');
  });
});
