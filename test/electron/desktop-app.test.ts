/**
 * The Playwright `_electron` suite: the built app (scripts/build-app.ts) in a real Electron, against a
 * real gateway and the test keychain — the tester's journey plus the hardening settings read from the
 * live app. It needs an Electron binary (`npm install` downloads one on a normal machine); where the
 * download is blocked, as on this project's build machines, it is skipped and says why in one line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../scripts/build-app.js';
import { electronBinary } from '../../scripts/start.js';
import { RENDERER_CSP } from '../../main/shell/csp.js';
import { startGateway } from '../helpers/gateway.js';
import { answerDialogs } from './support/dialogs.js';
import type { TestGateway } from '../helpers/gateway.js';

const binary = electronBinary();
if (!binary) {
  console.log('test/electron: skipped — no Electron binary in node_modules/electron (path.txt + dist/); install one with `npm install` where GitHub releases are reachable. The same journey runs in Chromium in test/e2e/.');
}

describe.skipIf(!binary)('desktop app in Electron', () => {
  let gateway: TestGateway;
  let appDir: string;
  let userData: string;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-electron-app-'));
    userData = await mkdtemp(path.join(os.tmpdir(), 'airlock-electron-data-'));
    [gateway] = await Promise.all([startGateway(), buildApp(appDir, () => {})]);
    const link = await gateway.invite('electron@example.com');
    app = await electron.launch({
      executablePath: binary!,
      // The invite arrives the way the OS delivers a deep link on Linux and Windows: in argv.
      args: [appDir, `--user-data-dir=${userData}`, link],
      env: { ...process.env } as Record<string, string>,
    });
    page = await app.firstWindow();
    await page.locator('[data-screen="enroll"]').waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await gateway?.stop();
    for (const dir of [appDir, userData]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads the renderer from app:// with the strict CSP header', async () => {
    expect(page.url()).toBe('app://airlock/index.html');
    const csp = await app.evaluate(async ({ session }) => (await session.defaultSession.fetch('app://airlock/index.html')).headers.get('content-security-policy'));
    expect(csp).toBe(RENDERER_CSP);
  });

  it('runs the renderer isolated and sandboxed, with no Node', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> };
      return contents.getLastWebPreferences?.() ?? null;
    });
    if (prefs) expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    const globals = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      api: Object.keys(window.airlock).sort(),
    }));
    expect(globals.require).toBe('undefined');
    expect(globals.process).toBe('undefined');
    expect(globals.api).toEqual(['acknowledgeRevocation', 'chat', 'copyText', 'currentInvite', 'deviceStatus', 'enroll', 'finishInvite', 'getConversation', 'getState', 'listConversations', 'listModels', 'newConversation', 'onConversationChange', 'onInviteLink', 'onState', 'previewInvite', 'sendMessage', 'signOut', 'stopAnswer']);
  });

  it('refuses window.open and navigation', async () => {
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://airlock/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('has no network of its own (connect-src none)', async () => {
    const fetched = await page.evaluate(async (url) => fetch(`${url}/healthz`).then(() => 'fetched', () => 'refused'), gateway.url);
    expect(fetched).toBe('refused');
  });

  it('enrolls from the deep link, streams an answer, and shows the revocation', async () => {
    // Main confirms with a native dialog; the suite answers it in main ("Enroll this device").
    await answerDialogs(app, 1);
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    const composer = page.getByLabel('Message');
    await composer.fill('Hello from Electron');
    await composer.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('article[data-role="assistant"]')].at(-1)?.getAttribute('aria-busy') === null, undefined, { timeout: 30_000 });
    expect(((await page.locator('article[data-role="assistant"] .markdown').last().textContent()) ?? '').length).toBeGreaterThan(10);
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ id: string; status: string }>>();
    const device = devices.find((d) => d.status === 'active');
    expect((await gateway.cli(['device', 'revoke', device!.id, '--reason', 'Electron suite done', '--json'])).code).toBe(0);
    await page.locator('[data-screen="revoked"]').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('revoked-reason').textContent()).resolves.toBe('Electron suite done');
  });
});
