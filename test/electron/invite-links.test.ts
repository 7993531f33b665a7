/**
 * Issue 15's link and confirmation journeys and issue 14's invite bullets in a real Electron (the
 * same journeys as test/unit/shell/ and test/e2e/invite-flow.test.ts), wherever a binary exists:
 * a second link while a confirmation is on screen waits behind it; Cancel in main's native dialog
 * makes no key and spends no invite; a wrong pin or a used invite is refused at "Check link"; a
 * pasted invite is never sent; "Use another invite" from the Device screen ends on the chat.
 * A packaged build refusing --remote-debugging-port is not tested here (this launches the unpacked
 * app, which is not `isPackaged`); test/unit/shell/start-guard.test.ts covers it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../scripts/build-app.js';
import { electronBinary } from '../../scripts/start.js';
import { startGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { createTestDevice } from '../helpers/pinned-client.js';
import { answerDialogs } from './support/dialogs.js';

const binary = electronBinary();
if (!binary) {
  console.log('test/electron/invite-links: skipped — no Electron binary in node_modules/electron; the same journeys run in Chromium in test/e2e/invite-flow.test.ts and, with Electron calls injected, in test/unit/shell/.');
}

describe.skipIf(!binary)('invite links in Electron', () => {
  let gateway: TestGateway;
  let appDir: string;
  let userData: string;
  let app: ElectronApplication;
  let page: Page;
  let first: string;

  const devices = async () => (await gateway.cli(['device', 'list', '--json'])).json<Array<{ id: string; status: string }>>();
  const secondInstance = (link: string) => app.evaluate(({ app: electronApp }, l) => void electronApp.emit('second-instance', {}, ['airlock', l], '/'), link);

  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-electron-links-'));
    userData = await mkdtemp(path.join(os.tmpdir(), 'airlock-electron-links-data-'));
    [gateway] = await Promise.all([startGateway(), buildApp(appDir, () => {})]);
    first = await gateway.invite('first@example.com');
    app = await electron.launch({ executablePath: binary!, args: [appDir, `--user-data-dir=${userData}`, first], env: { ...process.env } as Record<string, string> });
    page = await app.firstWindow();
    await page.getByTestId('invite-gateway').waitFor({ timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await gateway?.stop();
    for (const dir of [appDir, userData]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the link on screen when a second arrives, with focus off the enroll button', async () => {
    const shown = await page.getByLabel('Invite link').inputValue();
    await secondInstance(await gateway.invite('second@example.com'));
    await page.waitForTimeout(500);
    expect(await page.getByLabel('Invite link').inputValue()).toBe(shown);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Confirm the gateway');
  });

  it('Cancel in main\'s dialog makes no key and spends no invite', async () => {
    await answerDialogs(app, 0);
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.getByText('No key was made and the invite was not used').waitFor();
    expect(await devices()).toEqual([]);
    const shown = await app.evaluate(() => (globalThis as { airlockDialogs?: Array<{ message?: string; detail?: string }> }).airlockDialogs ?? []);
    expect(shown.at(-1)?.detail).toContain(`Gateway: ${gateway.url}`);
  });

  it('refuses a wrong pin and a used invite at "Check link", before any confirm screen', async () => {
    await page.getByRole('button', { name: 'Cancel' }).click();
    const used = await gateway.invite('used@example.com');
    await (await createTestDevice(gateway.client())).enroll(used);
    for (const [link, words] of [[used, /Each invite works once/], [first.replace(/pin=[^&]+/, `pin=${encodeURIComponent(`sha256/${'A'.repeat(43)}=`)}`), /Connection not trusted/]] as const) {
      await page.getByLabel('Invite link').fill(link);
      await page.getByRole('button', { name: 'Check link' }).click();
      await expect.poll(async () => (await page.getByRole('alert').textContent().catch(() => '')) ?? '', { timeout: 10_000 }).toMatch(words);
      await expect(page.getByTestId('invite-gateway').count()).resolves.toBe(0);
    }
  });

  it('enrolls after main\'s dialog says yes, then never sends a pasted invite, and re-enrolls from the Device screen into the chat', async () => {
    await answerDialogs(app, 1);
    await page.getByLabel('Invite link').fill(await gateway.invite('third@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });

    const composer = page.getByLabel('Message');
    await composer.fill(await gateway.invite('pasted@example.com'));
    await composer.press('Enter');
    await page.getByText('That is an invite link, not a message').waitFor();
    await expect(page.locator('article[data-role="user"]').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Device' }).click();
    await page.getByRole('button', { name: 'Use another invite' }).click();
    await page.getByLabel('Invite link').fill(await gateway.invite('fourth@example.com'));
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
  });
});
