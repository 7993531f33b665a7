/**
 * Issue 14's invite bullets and issue 15's link handling, through the real renderer in Debian's
 * Chromium, the dev preview bridge, the real client core, two real gateway processes and the real
 * keychain: a pasted invite is never sent as chat; an invite for another gateway (or a used one)
 * is refused at "Check link", before the confirm screen; a second link waits behind the one on
 * screen; "Use another invite" from the Device screen enrolls again and opens the chat.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AirlockClient } from '../../main/core/api.js';
import type { Logger } from '../../main/core/ports.js';
import { createDesktopClient } from '../../main/shell/desktop-client.js';
import { startGateway } from '../helpers/gateway.js';
import { createTestDevice } from '../helpers/pinned-client.js';
import type { TestGateway } from '../helpers/gateway.js';
import { launchChromium, openPreview, removeBuiltRenderer } from './support/preview-harness.js';
import type { Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('invite links (browser preview, two real gateways, real keychain)', () => {
  let gateway: TestGateway;
  let other: TestGateway;
  let client: AirlockClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];

  const inviteStatus = async (gw: TestGateway, email: string) =>
    (await gw.cli(['invite', 'list', '--json'])).json<Array<{ email: string; status: string }>>().find((i) => i.email === email)?.status;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-invites-'));
    // One after the other: two gateway starts at once can take longer than the helper's start limit on a busy machine.
    [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
    other = await startGateway();
    // Set up for `gateway` only, as `npm start` sets up its preview for the dev gateway.
    client = await createDesktopClient({ dataPath: dataDir, app: { appVersion: '0.1.0', buildId: 'dev', packaged: false }, logger: quiet, gateway: gateway.url });
    preview = await openPreview(client);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(preview.server.pageUrl);
    await page.locator('[data-screen="enroll"]').waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
    await client?.signOut().catch(() => {});
    await client?.close();
    await Promise.all([gateway?.stop(), other?.stop()]);
    await removeBuiltRenderer();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses an invite for another gateway at "Check link", before any confirm screen, with the right advice', async () => {
    await page.getByLabel('Invite link').fill(await other.invite('elsewhere@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('This invite cannot be used');
    expect(text).toContain(`set up for ${gateway.url} only`);
    expect(text).toContain('Ask your admin for an invite for the gateway this app is set up for');
    expect(text).not.toMatch(/copy the whole link/i);
    await expect(page.getByTestId('invite-gateway').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Enroll this device' }).count()).resolves.toBe(0);
    expect(preview.asked).toEqual([]);
    expect(await inviteStatus(other, 'elsewhere@example.com')).toBe('pending');
    await snap(page, 'invite-01-other-gateway-refused');
  });

  it('refuses a used invite at "Check link", saying to ask for a new one', async () => {
    // Spent from outside the app: a test device enrolls with it first.
    const used = await gateway.invite('used@example.com');
    await (await createTestDevice(gateway.client())).enroll(used);
    await page.getByLabel('Invite link').fill(used);
    await page.getByRole('button', { name: 'Check link' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    expect((await alert.textContent()) ?? '').toMatch(/Each invite works once/);
    await expect(page.getByTestId('invite-gateway').count()).resolves.toBe(0);
    expect(preview.asked).toEqual([]);
    await snap(page, 'invite-02-used-refused');
  });

  it('keeps the first link on screen when a second arrives, focus off the enroll button, and shows the second after', async () => {
    const first = await gateway.invite('first@example.com');
    const second = await gateway.invite('second@example.com');
    expect(preview.invites.offer(first)).toBe(true);
    await page.getByTestId('invite-gateway').waitFor({ timeout: 10_000 });
    const shown = await page.getByLabel('Invite link').inputValue();
    expect(preview.invites.offer(second)).toBe(true);
    await page.waitForTimeout(500);
    expect(await page.getByLabel('Invite link').inputValue()).toBe(shown);
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(focused).toBe('Confirm the gateway');
    // Enter on the focused heading enrolls nothing.
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    expect(preview.asked).toEqual([]);
    await snap(page, 'invite-03-first-link-kept');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByLabel('Invite link').inputValue(), { timeout: 10_000 }).not.toBe(shown);
    expect(await page.getByLabel('Invite link').inputValue()).toContain(second.slice(-20));
    await page.getByTestId('invite-gateway').waitFor({ timeout: 10_000 });
  });

  it('enrolls only after main asked about this gateway and pin, then opens the chat', async () => {
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    expect(preview.asked).toEqual([{ kind: 'enrollment', gateway: gateway.url, host: new URL(gateway.url).host, pins: [gateway.pin], replaces: null }]);
  });

  it('never sends a pasted invite as chat, and offers it as an enrollment', async () => {
    const pasted = await gateway.invite('pasted@example.com');
    const composer = page.getByLabel('Message');
    await composer.fill(`here is my invite ${pasted}`);
    await composer.press('Enter');
    await page.getByText('That is an invite link, not a message').waitFor();
    await expect(page.locator('article[data-role="user"]').count()).resolves.toBe(0);
    await expect(page.locator('article[data-role="assistant"]').count()).resolves.toBe(0);
    expect(await composer.inputValue()).toBe('');
    await snap(page, 'invite-04-pasted-not-sent');
    // Main refuses it too, whatever a renderer sends.
    const refused = await page.evaluate(
      (text) => new Promise<string>((resolve) => window.airlock.chat({ model: 'airlock-demo', messages: [{ role: 'user', content: text }] }, (delta) => delta.type !== 'delta' && resolve(delta.type === 'error' ? delta.message : 'sent'))),
      pasted,
    );
    expect(refused).toMatch(/holds an invite link, so it was not sent/);
    expect(await inviteStatus(gateway, 'pasted@example.com')).toBe('pending');

    await page.getByRole('button', { name: 'Use this invite' }).click();
    await page.locator('[data-screen="enroll"]').waitFor();
    await page.getByTestId('invite-gateway').waitFor({ timeout: 10_000 });
    await snap(page, 'invite-05-pasted-offered');
    await page.getByRole('button', { name: 'Back' }).click();
  });

  it('reaches "Use another invite" from the Device screen, enrolls again, and opens the chat', async () => {
    await page.getByRole('button', { name: 'Device' }).click();
    await page.locator('[data-screen="device"]').waitFor();
    await page.getByRole('button', { name: 'Use another invite' }).click();
    await page.locator('[data-screen="enroll"]').waitFor();
    await page.getByLabel('Invite link').fill(await gateway.invite('again@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByTestId('invite-gateway').waitFor({ timeout: 10_000 });
    await snap(page, 'invite-06-another-invite-confirm');
    const before = preview.asked.length;
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    expect(preview.asked[before]).toMatchObject({ kind: 'enrollment', gateway: gateway.url, replaces: gateway.url });
    await expect(page.getByText('again@example.com').count()).resolves.toBeGreaterThan(0);
    await snap(page, 'invite-07-chat-after-reenroll');
    expect(pageErrors).toEqual([]);
  });
});

