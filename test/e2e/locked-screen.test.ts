/**
 * Issue 13, must-show 6: the admin locks the tester's device from the real CLI; the real renderer
 * (Debian's Chromium, through the dev preview and the real client core, real gateway, real
 * keychain) shows the locked screen with the admin's message and end time; when the lock ends the
 * app opens a session with the same key by itself and is back in the chat, where an answer streams.
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
import { closeAppHarness, launchChromium, openPreview } from './support/preview-harness.js';
import type { Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const run = promisify(execFile);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('locked screen (browser preview, real gateway, real keychain)', { timeout: 180_000 }, () => {
  let gateway: TestGateway;
  let client: AirlockClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];
  const keychainItems = async () => {
    const result = await run('secret-tool', ['search', '--all', 'service', 'Airlock', 'account', gateway.url]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    return `${result.stdout}${result.stderr}`;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-locked-'));
    [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
    client = await createDesktopClient({ dataPath: dataDir, app: { appVersion: '0.1.0', buildId: 'dev', packaged: false }, logger: quiet, gateway: gateway.url });
    preview = await openPreview(client);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(() => closeAppHarness({ browser, preview, client, gateway, dataDir }), 120_000);

  it('enrolls and chats', async () => {
    await page.goto(preview.server.pageUrl);
    await page.getByLabel('Invite link').fill(await gateway.invite('locked-e2e@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 30_000 });
  });

  it('shows the locked screen with the message and end time when the admin locks the device, and keeps the key', async () => {
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ id: string; tester: string }>>();
    const device = devices.find((d) => d.tester === 'locked-e2e@example.com')!;
    // Long enough for a loaded machine to take the screenshot; the wait is for the app's own retry.
    const locked = await gateway.cli(['lock', 'create', '--device', device.id, '--ttl', '20s', '--message', 'Paused for the model update. Back shortly.', '--note', 'e2e', '--json']);
    expect(locked.code, locked.stderr).toBe(0);
    const { expiresAt } = locked.json<{ expiresAt: string }>();
    await page.locator('[data-screen="locked"]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('locked-message').textContent()).resolves.toBe('Paused for the model update. Back shortly.');
    await expect(page.getByTestId('locked-until').textContent()).resolves.toContain(new Date(expiresAt).toLocaleString());
    await snap(page, 'locked-01-locked');
    // A lock is not a revocation: the device key is still in the keychain.
    expect(await keychainItems()).toContain('Airlock');
  });

  it('is back in the chat by itself when the lock ends, and an answer streams', async () => {
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 60_000 });
    const composer = page.getByLabel('Message');
    await composer.fill('Are you back?');
    await composer.press('Enter');
    await page.waitForFunction(() => {
      const turn = [...document.querySelectorAll('article[data-role="assistant"]')].at(-1);
      return turn?.getAttribute('aria-busy') === null && (turn.querySelector('.markdown')?.textContent ?? '').length > 10;
    }, undefined, { timeout: 60_000 });
    await expect(page.locator('article[data-role="assistant"]').last().locator('[role="alert"]').count()).resolves.toBe(0);
    await snap(page, 'locked-02-chat-again');
    expect(pageErrors).toEqual([]);
  });
});
