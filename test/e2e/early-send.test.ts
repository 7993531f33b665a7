/**
 * A message written the moment the chat screen shows, before the gateway has sent the model list
 * (just enrolled, or the gateway coming back), is not lost and Enter is not ignored: the app says it
 * will send it, and does once the list arrives. The model list comes from an in-memory client held
 * back by the test; everything else is the real preview path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createFakeClient, type FakeClient } from './support/fake-client.js';
import { launchChromium, openPreview, removeBuiltRenderer, type Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const LINK = `airlock://enroll?gw=${encodeURIComponent('https://127.0.0.1:8443')}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(`sha256/${'B'.repeat(43)}=`)}`;

describe('sending before the model list has arrived', () => {
  let client: FakeClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  let releaseModels!: () => void;

  beforeAll(async () => {
    client = createFakeClient({ modelsReady: new Promise<void>((resolve) => (releaseModels = resolve)), chunkDelayMs: 1 });
    [preview, browser] = await Promise.all([openPreview(client), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(preview.server.pageUrl);
    await page.locator('[data-screen="enroll"]').waitFor();
  }, 90_000);

  afterAll(async () => {
    releaseModels?.();
    await browser?.close();
    await preview?.close();
    await removeBuiltRenderer();
  });

  it('keeps the message, says it will go, and sends it when the models arrive', async () => {
    await client.enroll(LINK);
    await page.locator('[data-screen="chat"]').waitFor();
    const composer = page.getByLabel('Message');
    await composer.fill('written before the models came');
    await composer.press('Enter');
    const waiting = page.getByRole('status').filter({ hasText: 'Your message goes as soon as the model list has loaded.' });
    await waiting.waitFor();
    // Still in the composer, where the tester can see it; nothing was sent yet.
    await expect(composer.inputValue()).resolves.toBe('written before the models came');
    await expect(page.locator('article').count()).resolves.toBe(0);
    await snap(page, 'tester-00-waiting-for-models');

    releaseModels();
    await page.locator('article[data-role="user"]', { hasText: 'written before the models came' }).waitFor();
    await page.locator('article[data-role="assistant"][data-status="complete"]').waitFor();
    await expect(page.locator('article[data-role="user"]').count()).resolves.toBe(1);
    await expect(composer.inputValue()).resolves.toBe('');
    await waiting.waitFor({ state: 'detached' });
  }, 60_000);
});
