/**
 * Model output is rendered as sanitized markdown, never as HTML: script tags, event handlers,
 * javascript: links, raw HTML and remote images come out as inert text in the real renderer.
 * The model's answer comes from an in-memory client; everything else is the real preview path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createFakeClient } from './support/fake-client.js';
import type { FakeClient } from './support/fake-client.js';
import { launchChromium, openPreview, removeBuiltRenderer } from './support/preview-harness.js';
import type { Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const LINK = `airlock://enroll?gw=${encodeURIComponent('https://127.0.0.1:8443')}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(`sha256/${'B'.repeat(43)}=`)}`;

const HOSTILE = [
  '# Answer',
  '<img src=x onerror="window.__pwned=\'img\'">',
  '<script>window.__pwned = "script"</script>',
  '[click me](javascript:window.__pwned=\'link\')',
  '<a href="javascript:window.__pwned=\'a\'">raw anchor</a>',
  '<iframe src="https://evil.example/"></iframe>',
  '<svg onload="window.__pwned=\'svg\'"><circle r="5"/></svg>',
  '<style>body { display: none }</style>',
  '<div style="position:fixed;inset:0;background:red" onclick="window.__pwned=\'div\'">overlay</div>',
  '![tracker](https://evil.example/pixel.png)',
  '[data link](data:text/html,<script>window.__pwned=1</script>)',
  '',
  '```html',
  '<script>window.__pwned = "code"</script>',
  '```',
].join('\n\n');

describe('model output is inert', () => {
  let client: FakeClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    client = createFakeClient({ answer: () => HOSTILE, chunkDelayMs: 1 });
    [preview, browser] = await Promise.all([openPreview(client), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(preview.server.pageUrl);
    // Keyboard only: the link field has focus, Enter checks it, focus lands on the confirmation's
    // heading (never on the enroll button: one Enter must not enroll), Tab reaches the button.
    await page.locator('[data-screen="enroll"]').waitFor();
    await page.keyboard.insertText(LINK);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Enroll this device' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Confirm the gateway');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Enroll this device…');
    await page.keyboard.press('Enter');
    await page.locator('[data-screen="chat"]').waitFor();
    // Focus is in the composer, ready to type.
    expect(await page.evaluate(() => document.activeElement?.closest('.composer') !== null && document.activeElement?.tagName === 'TEXTAREA')).toBe(true);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
    await removeBuiltRenderer();
  });

  it('renders hostile HTML and links as text, runs nothing and fetches nothing', async () => {
    const composer = page.getByLabel('Message');
    await composer.fill('show me some html');
    await composer.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('article[data-role="assistant"]')].at(-1)?.getAttribute('aria-busy') === null);
    const answer = page.locator('article[data-role="assistant"] .markdown').last();
    await snap(page, 'markdown-injection');

    // Nothing ran.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // No active element was created from the answer.
    for (const selector of ['img', 'script', 'iframe', 'svg', 'style', 'object', 'embed', 'a[href]', '[style]', '[onerror]', '[onload]', '[onclick]']) {
      expect(await answer.locator(selector).count(), selector).toBe(0);
    }
    const hrefs = await page.evaluate(() => [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')));
    expect(hrefs.filter((href) => href?.trim().toLowerCase().startsWith('javascript:'))).toEqual([]);
    // The raw HTML is shown as the characters the model wrote.
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain('<script>window.__pwned = "script"</script>');
    expect(text).toContain('<img src=x onerror=');
    expect(text).toContain('[image: tracker — https://evil.example/pixel.png]');
    expect(await answer.locator('pre code').count()).toBe(1);
    // The page is still there and still shows the chat (the <style> did not hide it).
    expect(await page.locator('[data-screen="chat"]').isVisible()).toBe(true);
    // Clicking the would-be link goes nowhere.
    const before = page.url();
    await answer.getByText('click me').click();
    expect(page.url()).toBe(before);
    expect(requests.filter((url) => !url.startsWith(preview.server.origin))).toEqual([]);
  });

  it('stops a streaming answer with Esc', async () => {
    // Long enough that it is still streaming when Esc lands, however slow the machine: 2,000 words
    // (1,250 chunks, about 2 s) could end first on a loaded one, and then there is nothing to stop.
    client.answer = () => 'slow '.repeat(40_000);
    const composer = page.getByLabel('Message');
    await composer.fill('a long one');
    await composer.press('Enter');
    await page.waitForFunction(() => ([...document.querySelectorAll('article[data-role="assistant"]')].at(-1)?.textContent ?? '').includes('slow'));
    await page.keyboard.press('Escape');
    await page.locator('article[data-role="assistant"]').last().getByText('Stopped.').waitFor();
    expect(client.cancelled).toBe(1);
    expect(await composer.isEnabled()).toBe(true);
  });
});
