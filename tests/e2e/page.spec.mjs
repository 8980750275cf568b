// The page itself (issue 11): it fits a phone, its first screen is there before the wasm,
// nothing is sent to the server without the user's consent, and its words read well in each
// language.
//
// The consent tests lower the server's browser limit with a route on /api/v1/config (the
// server's own answer, one number changed), as fallback.spec.mjs does; they use files built
// here, so they run without the corpus. Service workers are blocked where a route must see
// the app's requests.
import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  FILES, axeViolations, card, corpusFile, fileItem, openApp, screenshot, waitDone,
} from './helpers.mjs';

const PITCH_EN = 'Open and convert .mpp files without Microsoft Project';
const PITCH_PT = 'Abra e converta arquivos .mpp sem o Microsoft Project';
const CONSENT_KEY = 'mpp2xml.server-consent';

/** Whether the page scrolls sideways: the document is wider than the viewport. */
async function pageOverflow(page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

async function expectFits(page, what) {
  const { scrollWidth, innerWidth } = await pageOverflow(page);
  expect(scrollWidth, `${what}: the page is ${scrollWidth} px wide on a ${innerWidth} px screen`).toBeLessThanOrEqual(innerWidth);
}

/** Answers /api/v1/config with the server's own config, changed by `overrides`. */
async function serverLimits(page, overrides) {
  await page.route('**/api/v1/config', async (route) => {
    const response = await route.fetch();
    expect(response.status(), 'the server answers GET /api/v1/config').toBe(200);
    const config = await response.json();
    await route.fulfill({ status: 200, contentType: 'application/json', json: { ...config, ...overrides } });
  });
}

/** Every request the page makes to POST /api/v1/convert, as it leaves. */
function recordConverts(page) {
  const seen = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/convert') seen.push(new URL(r.url()).searchParams.get('name'));
  });
  return seen;
}

/** A file that is not a project plan, with a project plan's name. */
function notAPlan(name, size = 64) {
  const text = 'Minutes of the Monday meeting, not a project plan. ';
  return { name, mimeType: 'application/octet-stream', buffer: Buffer.from(text.repeat(Math.ceil(size / text.length)).slice(0, size)) };
}

test.describe('phone widths', () => {
  for (const width of [360, 390]) {
    test(`at ${width} px the page never scrolls sideways: first screen, a converted corpus file, its preview`, async ({ page }) => {
      const file = corpusFile(FILES.main);
      const name = path.basename(file);
      await page.setViewportSize({ width, height: 844 });
      await openApp(page);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(PITCH_EN);
      await expectFits(page, 'first screen');
      if (width === 390) await screenshot(page, 'page-390-first-screen');

      await page.setInputFiles('#file-input', fileItem(file));
      await waitDone(page, name);
      await expect(page.locator('#preview #vt-grid .vt-row[data-id]').first()).toBeVisible();
      await expectFits(page, 'after a conversion');
      // The chart, which is wider than a phone, scrolls inside the viewer, never the page.
      await page.locator('#viewer-show-gantt').click();
      await expect(page.locator('#preview .vg')).toBeVisible();
      await expectFits(page, 'with the chart shown');
      await page.locator('#viewer-show-table').click();
      // The card's buttons are inside the screen.
      for (const button of await card(page, name).locator('.file-actions > *').all()) {
        const box = await button.boundingBox();
        expect(box.x + box.width, 'a card button is cut off').toBeLessThanOrEqual(width);
      }
      expect(await axeViolations(page)).toEqual([]);
      if (width === 390) await screenshot(page, 'page-390-converted');
    });

    test(`at ${width} px built inputs fit too: a long file name, an error card, the consent question`, async ({ page }) => {
      await page.setViewportSize({ width, height: 844 });
      await serverLimits(page, { browser_max_bytes: 100 });
      await openApp(page);
      const long = `${'Cronograma_da_obra_de_ampliacao_do_galpao_'.repeat(3)}revisao_final.mpp`;
      await page.setInputFiles('#file-input', [notAPlan(long, 40)]);
      await expect(card(page, long)).toHaveAttribute('data-state', 'error');
      await page.setInputFiles('#file-input', [notAPlan('grande.mpp', 400)]);
      await expect(card(page, 'grande.mpp')).toHaveAttribute('data-state', 'asking');
      await card(page, long).locator('summary').click();
      await expectFits(page, 'error card and consent question');
      if (width === 390) await screenshot(page, 'page-390-consent-and-error');
    });
  }

  test('at 1280 px: screenshots of the first screen and a converted file', async ({ page }) => {
    const file = corpusFile(FILES.main);
    await page.setViewportSize({ width: 1280, height: 900 });
    await openApp(page);
    await expectFits(page, 'first screen');
    await screenshot(page, 'page-1280-first-screen');
    await page.setInputFiles('#file-input', fileItem(file));
    await waitDone(page, path.basename(file));
    await expectFits(page, 'after a conversion');
    await screenshot(page, 'page-1280-converted');
  });
});

test.describe('before the app starts', () => {
  test.use({ serviceWorkers: 'block' });

  for (const width of [390, 1280]) {
    test(`at ${width} px the first screen is there with the wasm blocked, and the app takes its place without moving it`, async ({ page }) => {
      await page.setViewportSize({ width, height: 844 });
      await page.route('**/*.wasm', (route) => route.abort());
      await page.goto('/');
      const heading = page.getByRole('heading', { level: 1, name: PITCH_EN });
      await expect(heading).toBeVisible();
      await expect(page.getByText('Loading the converter…')).toBeVisible();
      await expect(page.locator('.drop-zone')).toContainText('Choose .mpp or .mpt files');
      await expectFits(page, 'static first screen');
      const before = await heading.boundingBox();
      const zoneBefore = await page.locator('.drop-zone').boundingBox();
      await screenshot(page, `page-${width}-before-wasm`);

      await page.unrouteAll();
      await openApp(page);
      await expect(page.locator('#shell')).toHaveCount(0);
      const after = await page.getByRole('heading', { level: 1, name: PITCH_EN }).boundingBox();
      const zoneAfter = await page.locator('#drop-zone').boundingBox();
      expect(Math.abs(after.y - before.y), 'the heading moved when the app started').toBeLessThanOrEqual(1);
      expect(Math.abs(zoneAfter.y - zoneBefore.y), 'the drop zone moved when the app started').toBeLessThanOrEqual(1);
      expect(Math.abs(zoneAfter.height - zoneBefore.height)).toBeLessThanOrEqual(1);
      await expect(page.locator('h1')).toHaveCount(1);
    });
  }

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('the first screen says what the app is for', async ({ page }) => {
      await page.setViewportSize({ width: 360, height: 740 });
      await page.goto('/');
      await expect(page.getByRole('heading', { level: 1, name: PITCH_EN })).toBeVisible();
      await expect(page.locator('.drop-zone')).toContainText('Choose .mpp or .mpt files');
      // (The <noscript> sentence is not asserted: Playwright turns scripts off by emulation, and
      // Chromium's parser then still treats <noscript> as raw text, unlike a browser whose
      // JavaScript is really off.)
      await expectFits(page, 'without JavaScript');
    });
  });
});

test.describe('consent before upload', () => {
  test.use({ serviceWorkers: 'block' });

  test('a file over the browser limit waits for a choice; nothing reaches /api/v1/convert until "Convert on our server"', async ({ page }) => {
    await serverLimits(page, { browser_max_bytes: 100 });
    const converts = recordConverts(page);
    await openApp(page);
    await page.setInputFiles('#file-input', [notAPlan('agenda.mpp', 300)]);
    const li = card(page, 'agenda.mpp');
    await expect(li).toHaveAttribute('data-state', 'asking');
    await expect(li.locator('.badge')).toHaveText('Your choice');
    const question = li.locator('.file-consent');
    await expect(question).toContainText('This file is larger than 100 B, the most this app converts in your browser.');
    await expect(question).toContainText('Nothing is sent unless you choose to.');
    await expect(question.getByRole('button', { name: /^Convert on our server/ })).toBeVisible();
    await expect(question.getByRole('button', { name: /^Skip/ })).toBeVisible();
    await expect(question.getByLabel('Don\'t ask again on this device')).not.toBeChecked();
    await expect(page.locator('#status')).toHaveText('1 file waits for your choice.');
    // A small file added meanwhile converts in the browser; the large one still waits.
    await page.setInputFiles('#file-input', [notAPlan('small.mpp', 50)]);
    await expect(card(page, 'small.mpp')).toHaveAttribute('data-state', 'error');
    await expect(li).toHaveAttribute('data-state', 'asking');
    expect(converts, 'nothing was sent before the choice').toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'consent-question-en');

    await question.getByRole('button', { name: /^Convert on our server/ }).click();
    await expect(li).toHaveAttribute('data-state', 'error');
    expect(converts).toEqual(['agenda.mpp']);
    // The server's answer for a file that is not a plan: the advice, the server's own
    // sentence folded under it.
    await expect(li.locator('.file-error > span').first()).toHaveText(/^This file is not a Microsoft Project plan, even though its name may end in \.mpp/);
    await expect(li.locator('.file-error-more summary')).toHaveText('Technical details');
    await expect(li.locator('.file-error-detail')).not.toBeVisible();
    expect(await page.evaluate((key) => localStorage.getItem(key), CONSENT_KEY)).toBeNull();
  });

  test('"Skip" sends nothing and says so', async ({ page }) => {
    await serverLimits(page, { browser_max_bytes: 100 });
    const converts = recordConverts(page);
    await openApp(page);
    await page.setInputFiles('#file-input', [notAPlan('big.mpp', 300)]);
    const li = card(page, 'big.mpp');
    await expect(li).toHaveAttribute('data-state', 'asking');
    await li.getByRole('button', { name: /^Skip/ }).click();
    await expect(li).toHaveAttribute('data-state', 'skipped');
    await expect(li.locator('.badge')).toHaveText('Skipped');
    await expect(li.locator('.file-skipped')).toHaveText('Not converted: you chose to keep this file on this device, so it was not sent.');
    await expect(li.locator('.file-consent')).toHaveCount(0);
    await expect(page.locator('#status')).toHaveText('1 file skipped.');
    // Another file goes through the page's queue after the choice: still nothing was sent.
    await page.setInputFiles('#file-input', [notAPlan('small.mpp', 50)]);
    await expect(card(page, 'small.mpp')).toHaveAttribute('data-state', 'error');
    expect(converts).toEqual([]);
    expect(await page.evaluate((key) => localStorage.getItem(key), CONSENT_KEY)).toBeNull();
    await page.locator('#clear-files').click();
    await expect(page.locator('#files li.file')).toHaveCount(0);
  });

  test('the choice can be remembered on this device, and undone from the page', async ({ page }) => {
    await serverLimits(page, { browser_max_bytes: 100 });
    const converts = recordConverts(page);
    await openApp(page);
    await expect(page.locator('#consent-remembered')).toHaveCount(0);
    await page.setInputFiles('#file-input', [notAPlan('one.mpp', 300), notAPlan('two.mpp', 300)]);
    await expect(card(page, 'one.mpp')).toHaveAttribute('data-state', 'asking');
    await expect(card(page, 'two.mpp')).toHaveAttribute('data-state', 'asking');
    await expect(page.locator('#status')).toHaveText('2 files wait for your choice.');
    expect(converts).toEqual([]);
    // Remembered: both waiting files go, and later ones too, without asking.
    await card(page, 'one.mpp').getByLabel('Don\'t ask again on this device').check();
    await card(page, 'one.mpp').getByRole('button', { name: /^Convert on our server/ }).click();
    await expect(card(page, 'one.mpp')).toHaveAttribute('data-state', 'error');
    await expect(card(page, 'two.mpp')).toHaveAttribute('data-state', 'error');
    expect(converts.sort()).toEqual(['one.mpp', 'two.mpp']);
    expect(await page.evaluate((key) => localStorage.getItem(key), CONSENT_KEY)).toBe('server');
    const remembered = page.locator('#consent-remembered');
    await expect(remembered).toContainText('Files too large for your browser are sent to our server without asking, as you chose on this device.');

    await page.reload();
    await expect(page.locator('#consent-remembered')).toBeVisible();
    await page.setInputFiles('#file-input', [notAPlan('three.mpp', 300)]);
    await expect(card(page, 'three.mpp')).toHaveAttribute('data-state', 'error');
    await expect(card(page, 'three.mpp').locator('.file-consent')).toHaveCount(0);
    expect(converts.sort()).toEqual(['one.mpp', 'three.mpp', 'two.mpp']);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'consent-remembered');

    // Undone: the next large file waits again.
    await page.getByRole('button', { name: 'Ask me each time' }).click();
    await expect(page.locator('#consent-remembered')).toHaveCount(0);
    expect(await page.evaluate((key) => localStorage.getItem(key), CONSENT_KEY)).toBeNull();
    await page.setInputFiles('#file-input', [notAPlan('four.mpp', 300)]);
    await expect(card(page, 'four.mpp')).toHaveAttribute('data-state', 'asking');
    expect(converts).toHaveLength(3);

    // "Skip" remembered: skipped without asking, and said in the footer.
    await card(page, 'four.mpp').getByLabel('Don\'t ask again on this device').check();
    await card(page, 'four.mpp').getByRole('button', { name: /^Skip/ }).click();
    await expect(card(page, 'four.mpp')).toHaveAttribute('data-state', 'skipped');
    await expect(page.locator('#consent-remembered')).toContainText('are skipped without asking');
    await page.setInputFiles('#file-input', [notAPlan('five.mpp', 300)]);
    await expect(card(page, 'five.mpp')).toHaveAttribute('data-state', 'skipped');
    expect(converts).toHaveLength(3);
  });
});

test.describe('Brazilian Portuguese words', () => {
  test.use({ locale: 'pt-BR', serviceWorkers: 'block' });

  test('a non-Project file named .mpp gets advice that fits, fully in pt-BR; plurals and the status line read well', async ({ page }) => {
    await openApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(PITCH_PT);
    await page.setInputFiles('#file-input', [notAPlan('ata.mpp', 80)]);
    const li = card(page, 'ata.mpp');
    await expect(li).toHaveAttribute('data-state', 'error');
    const advice = li.locator('.file-error > span').first();
    await expect(advice).toHaveText('Este arquivo não é um plano do Microsoft Project, mesmo que o nome termine em .mpp: é outro tipo de arquivo, talvez renomeado. Peça o plano como o Microsoft Project o salvou.');
    await expect(li.locator('.file-error')).not.toContainText('Escolha um arquivo');
    // The engine's English sentence is folded away under a summary that says it is English.
    await expect(li.locator('.file-error-more summary')).toHaveText('Detalhes técnicos (em inglês)');
    await expect(li.locator('.file-error-detail')).not.toBeVisible();
    await expect(li.locator('.file-error-detail')).toHaveAttribute('lang', 'en');
    await expect(page.locator('#status')).toHaveText('1 arquivo com falha.');
    await expect(li.locator('.badge')).toHaveText('Falhou');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'words-error-pt-BR');
  });

  test('the card counts what the preview shows, with singular and plural, and names the product that saved the file', async ({ page }) => {
    const file = corpusFile(FILES.main);
    const name = path.basename(file);
    await openApp(page);
    await page.setInputFiles('#file-input', fileItem(file));
    const li = await waitDone(page, name);
    await expect(page.locator('#preview #vt-grid .vt-row[data-id]').first()).toBeVisible();
    const tasks = await page.locator('#preview #vt-grid .vt-row[data-id]').count();
    await page.locator('#viewer-tab-resources').click();
    const resources = await page.locator('#resource-table tr.resource-row').count();
    expect(tasks).toBeGreaterThan(0);
    const form = (n, one, other) => `${n} ${n <= 1 ? one : other}`;
    const counts = await li.locator('.file-counts').textContent();
    expect(counts.startsWith(`${form(tasks, 'tarefa', 'tarefas')}, ${form(resources, 'recurso', 'recursos')}, `), counts).toBe(true);
    expect(counts).toMatch(/^\d+ tarefas?, \d+ recursos?, \d+ (atribuição|atribuições), \d+ (calendário|calendários)$/);
    expect(counts).not.toMatch(/\b1 (tarefas|recursos|atribuições|calendários)\b/);
    await expect(li.locator('.file-version')).toContainText('Salvo por: Project 2010');
    await expect(li.locator('.file-version')).not.toContainText('Microsoft.Project');
    await expect(page.locator('#status')).toHaveText('1 arquivo convertido.');
  });

  test('the consent question is asked in pt-BR', async ({ page }) => {
    await serverLimits(page, { browser_max_bytes: 100 });
    const converts = recordConverts(page);
    await openApp(page);
    await page.setInputFiles('#file-input', [notAPlan('grande.mpp', 300)]);
    const li = card(page, 'grande.mpp');
    await expect(li).toHaveAttribute('data-state', 'asking');
    await expect(li.locator('.file-consent')).toContainText('Este arquivo é maior que 100 B, o máximo que este app converte no navegador.');
    await expect(li.getByRole('button', { name: /^Converter no nosso servidor/ })).toBeVisible();
    await expect(li.getByLabel('Não perguntar de novo neste dispositivo')).toBeVisible();
    await li.getByRole('button', { name: /^Ignorar/ }).click();
    await expect(li.locator('.badge')).toHaveText('Ignorado');
    expect(converts).toEqual([]);
    await screenshot(page, 'consent-pt-BR');
  });
});

/** The advice each cause gets, as the user reads it, by interface language. */
const ADVICE = {
  'en-US': {
    not_mpp: 'This file is not a Microsoft Project plan, even though its name may end in .mpp: it is another kind of file, perhaps renamed. Ask for the plan as Microsoft Project saved it.',
    truncated: 'The file ends too early: it was probably cut short while it was downloaded, copied or attached. Get the file again and try once more.',
  },
  'pt-BR': {
    not_mpp: 'Este arquivo não é um plano do Microsoft Project, mesmo que o nome termine em .mpp: é outro tipo de arquivo, talvez renomeado. Peça o plano como o Microsoft Project o salvou.',
    truncated: 'O arquivo termina antes do esperado: provavelmente foi cortado ao ser baixado, copiado ou anexado. Obtenha o arquivo de novo e tente outra vez.',
  },
};

for (const locale of Object.keys(ADVICE)) {
  test.describe(`error advice (${locale})`, () => {
    test.use({ locale });

    test(`${locale}: a renamed non-Project file and a file cut short each get their own advice; a password-protected Project 2000 plan and a Project 98 plan convert`, async ({ page }) => {
      const main = corpusFile(FILES.main);
      const password = corpusFile('mpp/password-protected-mpp9.mpp');
      const mpp98 = corpusFile('mpp/DurationTest8.mpp');
      const files = {
        not_mpp: notAPlan('notes.mpp', 120),
        // An interrupted download: the first 130,000 bytes of a real plan, which cut its task
        // data short. (A cut that only loses streams the conversion does not read converts.)
        truncated: { name: 'cut.mpp', mimeType: 'application/octet-stream', buffer: fs.readFileSync(main).subarray(0, 130_000) },
      };
      await page.setViewportSize({ width: 390, height: 844 });
      await openApp(page);
      // A Project 2000 open password only masks the file: it converts. (Project 2007 and later
      // encrypt: the engine's tests build such files and check their refusal and its advice.)
      await page.setInputFiles('#file-input', [...Object.values(files), fileItem(password), fileItem(mpp98)]);
      for (const [cause, file] of Object.entries(files)) {
        const li = card(page, file.name);
        await expect(li).toHaveAttribute('data-state', 'error');
        await expect(li.locator('.file-error > span').first(), cause).toHaveText(ADVICE[locale][cause]);
      }
      await expect(card(page, fileItem(password).name)).toHaveAttribute('data-state', 'done');
      await expect(card(page, fileItem(mpp98).name)).toHaveAttribute('data-state', 'done');
      await expectFits(page, 'two error cards and two converted plans');
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `words-advice-${locale}-390`);
    });
  });
}

test('the first visit\'s footer is calm: it does not announce that the app "now" works offline', async ({ page }) => {
  await openApp(page);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.locator('#offline-ready')).toHaveText('This page also opens without internet on this device.');
  await expect(page.locator('footer')).not.toContainText('now also works offline');
  await expect(page.locator('#update-notice')).toHaveCount(0);
});
