/**
 * The tester's journey through the real renderer in Debian's Chromium, bridged by the dev preview to
 * the real client core, against a real gateway process (own CA, TLS on loopback) and the real
 * keychain (the private gnome-keyring of test/setup/keychain.ts): enroll by link, a streamed
 * answer, the admin revokes from the CLI, the revoked screen with the reason, an empty keychain.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AirlockClient } from '../../main/core/api.js';
import type { Logger } from '../../main/core/ports.js';
import { createDesktopClient } from '../../main/shell/desktop-client.js';
import { startGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { launchChromium, openPreview, closeAppHarness } from './support/preview-harness.js';
import type { Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const run = promisify(execFile);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The keychain items of the Airlock service for this test's gateway, as secret-tool prints them (the
 * test keychain is shared with other suites running at the same time; the account is the gateway).
 */
async function keychainItemsFor(account: string): Promise<string> {
  const result = await run('secret-tool', ['search', '--all', 'service', 'Airlock', 'account', account]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
  return `${result.stdout}${result.stderr}`;
}

describe('desktop app journey (browser preview, real gateway, real keychain)', () => {
  let gateway: TestGateway;
  let client: AirlockClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];
  const keychainItems = () => keychainItemsFor(gateway.url);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-client-'));
    [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
    client = await createDesktopClient({ dataPath: dataDir, app: { appVersion: '0.1.0', buildId: 'dev', packaged: false }, logger: quiet, gateway: gateway.url });
    preview = await openPreview(client);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  afterAll(() => closeAppHarness({ browser, preview, client, gateway, dataDir }));

  it('refuses a link whose pin the gateway does not match, loudly', async () => {
    const link = await gateway.invite('e2e-wrong-pin@example.com');
    const wrongPin = link.replace(/pin=[^&]+/, `pin=${encodeURIComponent(`sha256/${'A'.repeat(43)}=`)}`);
    await page.goto(preview.server.pageUrl);
    await page.getByTestId('preview-banner').waitFor();
    await page.locator('[data-screen="enroll"]').waitFor();
    await snap(page, '01-enroll');
    await page.getByLabel('Invite link').fill(wrongPin);
    // Refused at "Check link": the gateway is asked for a challenge over the link's pin first.
    await page.getByRole('button', { name: 'Check link' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    await expect(alert.textContent()).resolves.toContain('Connection not trusted');
    await expect(page.getByTestId('invite-gateway').count()).resolves.toBe(0);
    await snap(page, '01b-connection-not-trusted');
    expect(await keychainItems()).not.toContain('Airlock');
    await page.getByLabel('Invite link').fill('');
  });

  it('enrolls by link after showing the gateway and pin', async () => {
    const link = await gateway.invite('e2e@example.com');
    await page.getByLabel('Invite link').fill(link);
    await page.getByRole('button', { name: 'Check link' }).click();
    await expect(page.getByTestId('invite-gateway').textContent()).resolves.toBe(gateway.url);
    await expect(page.getByTestId('invite-pin').textContent()).resolves.toBe(gateway.pin);
    await snap(page, '02-confirm');
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    expect(await keychainItems()).toContain('Airlock');
    await snap(page, '03-chat');
  });

  it('streams an answer into the page', async () => {
    const composer = page.getByLabel('Message');
    await composer.fill('Hello from the e2e test');
    await composer.press('Enter');
    const answer = page.locator('article[data-role="assistant"]').last();
    // Seen while still streaming: part of the text is in the page before the answer is done.
    await page.waitForFunction(() => {
      const turn = [...document.querySelectorAll('article[data-role="assistant"]')].at(-1);
      return turn?.getAttribute('aria-busy') === 'true' && (turn.querySelector('.markdown')?.textContent ?? '').length > 0;
    }, undefined, { timeout: 20_000, polling: 10 });
    await page.waitForFunction(() => [...document.querySelectorAll('article[data-role="assistant"]')].at(-1)?.getAttribute('aria-busy') === null, undefined, { timeout: 30_000 });
    const text = (await answer.locator('.markdown').textContent()) ?? '';
    expect(text.length).toBeGreaterThan(10);
    await expect(answer.locator('[role="alert"]').count()).resolves.toBe(0);
    await snap(page, '04-chat-answer');
  });

  it('shows the device status in plain words', async () => {
    await page.getByRole('button', { name: 'Device' }).click();
    await page.locator('[data-screen="device"]').waitFor();
    await expect(page.getByTestId('trust-label').textContent()).resolves.toBe('Software key in your system keychain');
    await snap(page, '05-device');
    await page.getByRole('button', { name: 'Back to chat' }).click();
    await page.locator('[data-screen="chat"]').waitFor();
  });

  it('shows the revoked screen with the reason when the admin revokes, and empties the keychain', async () => {
    const listed = await gateway.cli(['device', 'list', '--json']);
    expect(listed.code).toBe(0);
    const devices = listed.json<Array<{ id: string; status: string }>>();
    const device = devices.find((d) => d.status === 'active') ?? devices[0];
    expect(device).toBeDefined();
    const revoked = await gateway.cli(['device', 'revoke', device!.id, '--reason', 'Testing phase ended', '--json']);
    expect(revoked.code).toBe(0);
    await page.locator('[data-screen="revoked"]').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('revoked-reason').textContent()).resolves.toBe('Testing phase ended');
    await snap(page, '06-revoked');
    await expect.poll(keychainItems, { timeout: 5_000 }).not.toContain('Airlock');
    expect(pageErrors).toEqual([]);
  });

  it('stays readable at a narrow width', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await snap(page, '07-revoked-narrow');
  });

  it('enrolls again from the revoked screen with a new invite', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'I have a new invite' }).click();
    await page.getByLabel('Invite link').fill(await gateway.invite('e2e@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    expect(await keychainItems()).toContain('Airlock');
  });
});
