/**
 * Issue 13, must-show 6: the admin locks the tester's device from the real CLI; the real renderer
 * (Debian's Chromium, through the dev preview and the real client core, real gateway, real
 * keychain) shows the locked screen with the admin's message and end time; when the lock ends the
 * app opens a session with the same key by itself and is back in the chat, where an answer streams.
 * Issue 14: a lock that says so (`lock create --wipe-history`) deletes the chat history (its
 * encrypted file and its keychain key) while the device key stays; a plain lock keeps it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
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
  /** The keychain items of one service for this gateway: `Airlock` (the device key) or `Airlock history`. */
  const keychainItems = async (service = 'Airlock') => {
    const result = await run('secret-tool', ['search', '--all', 'service', service, 'account', gateway.url]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    return `${result.stdout}${result.stderr}`;
  };
  const sendAndWait = async (text: string) => {
    const composer = page.getByLabel('Message');
    await composer.fill(text);
    await composer.press('Enter');
    await page.waitForFunction(() => {
      const turn = [...document.querySelectorAll('article[data-role="assistant"]')].at(-1);
      return turn?.getAttribute('aria-busy') === null && (turn.querySelector('.markdown')?.textContent ?? '').length > 10;
    }, undefined, { timeout: 60_000 });
  };
  const historyFiles = async () => (await readdir(dataDir)).filter((f) => f.startsWith('history-'));
  const deviceId = async () => {
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ id: string; tester: string }>>();
    return devices.find((d) => d.tester === 'locked-e2e@example.com')!.id;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-locked-'));
    [gateway, browser] = await Promise.all([startGateway({ policy: { chatHistory: 'encrypted' } }), launchChromium()]);
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
    await sendAndWait('Before the lock');
    await expect.poll(historyFiles, { timeout: 15_000 }).toHaveLength(1);
  });

  it('shows the locked screen with the message and end time when the admin locks the device, and keeps the key', async () => {
    // Long enough for a loaded machine to take the screenshot; the wait is for the app's own retry.
    const locked = await gateway.cli(['lock', 'create', '--device', await deviceId(), '--ttl', '20s', '--message', 'Paused for the model update. Back shortly.', '--note', 'e2e', '--json']);
    expect(locked.code, locked.stderr).toBe(0);
    const { expiresAt } = locked.json<{ expiresAt: string }>();
    await page.locator('[data-screen="locked"]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('locked-message').textContent()).resolves.toBe('Paused for the model update. Back shortly.');
    await expect(page.getByTestId('locked-until').textContent()).resolves.toContain(new Date(expiresAt).toLocaleString());
    await snap(page, 'locked-01-locked');
    await expect(page.getByTestId('locked-history').textContent()).resolves.toMatch(/^You keep your enrollment and your conversations/);
    // A lock is not a revocation: the device key is still in the keychain, and a plain lock keeps the history.
    expect(await keychainItems()).toContain('Airlock');
    expect(await historyFiles()).toHaveLength(1);
    expect(await keychainItems('Airlock history')).toContain('Airlock history');
  });

  it('is back in the chat by itself when the lock ends, and an answer streams', async () => {
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 60_000 });
    // A plain lock kept the conversation from before it.
    await page.getByText('Before the lock').first().waitFor({ timeout: 15_000 });
    await sendAndWait('Are you back?');
    await expect(page.locator('article[data-role="assistant"]').last().locator('[role="alert"]').count()).resolves.toBe(0);
    await snap(page, 'locked-02-chat-again');
    expect(pageErrors).toEqual([]);
  });

  it('deletes the chat history, file and key, under a lock that says so; the device key stays', async () => {
    await expect.poll(historyFiles).toHaveLength(1);
    const locked = await gateway.cli(['lock', 'create', '--device', await deviceId(), '--ttl', '20s', '--wipe-history', '--message', 'This laptop was reported lost.', '--json']);
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.json<{ wipeHistory: boolean }>().wipeHistory).toBe(true);
    await page.locator('[data-screen="locked"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('locked-history').textContent(), { timeout: 15_000 }).toMatch(/to be deleted: it is gone/);
    await snap(page, 'locked-03-history-deleted');
    expect(await historyFiles()).toEqual([]);
    expect(await keychainItems('Airlock history')).not.toContain('Airlock history');
    expect(await keychainItems()).toContain('Airlock');
    const audit = (await gateway.cli(['audit', 'tail', '-n', '20', '--json'])).json<Array<{ type: string; details: { wipeHistory?: boolean } }>>();
    expect(audit.filter((e) => e.type === 'admin.lock.create').map((e) => e.details.wipeHistory)).toEqual([false, true]);
  });

  it('is back in an empty chat when that lock ends, and keeps new conversations again', async () => {
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 60_000 });
    await sendAndWait('A fresh start');
    await expect(page.getByText('Are you back?').count()).resolves.toBe(0);
    await expect(page.getByText('Before the lock').count()).resolves.toBe(0);
    await snap(page, 'locked-04-chat-after-wipe');
    await expect.poll(historyFiles, { timeout: 15_000 }).toHaveLength(1);
    expect(await keychainItems('Airlock history')).toContain('Airlock history');
    expect(pageErrors).toEqual([]);
  });
});
