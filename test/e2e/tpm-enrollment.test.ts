/**
 * Issue 18 in the renderer (Debian's Chromium through the dev preview, the real client core, a real
 * gateway whose policy requires `tpm` and trusts a software TPM's EK CA, and the real keychain):
 *  - on a computer whose TPM cannot be used, enrollment is refused and the tester reads one sentence
 *    saying why and what to do;
 *  - with the (software) TPM, the same app enrolls, and the Device screen names the TPM-bound key
 *    and what it does not stop (the session key).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AirlockClient } from '../../main/core/api.js';
import type { Logger } from '../../main/core/ports.js';
import { createDesktopClient } from '../../main/shell/desktop-client.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startSwtpm, type SoftwareTpm } from '../helpers/swtpm.js';
import { launchChromium, openPreview, closeAppHarness, type Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const APP = { appVersion: '0.1.0', buildId: 'dev', packaged: false } as const;
const MISSING_DEVICE = '/nonexistent/tpmrm0';

describe('TPM enrollment in the renderer (browser preview, real gateway requiring tpm, swtpm, real keychain)', () => {
  let gateway: TestGateway;
  let tpm: SoftwareTpm;
  let browser: Browser;
  let client: AirlockClient | undefined;
  let preview: Preview | undefined;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];

  async function openApp(tpmTcti: string): Promise<void> {
    await preview?.close();
    await client?.close();
    client = await createDesktopClient({ dataPath: dataDir, app: APP, logger: quiet, gateway: gateway.url, tpmTcti });
    preview = await openPreview(client);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(preview.server.pageUrl);
    await page.locator('[data-screen="enroll"]').waitFor({ timeout: 30_000 });
  }

  async function enrollThroughUi(link: string): Promise<void> {
    await page.getByLabel('Invite link').fill(link);
    await page.getByRole('button', { name: 'Check link' }).click();
    await page.getByRole('button', { name: 'Enroll this device' }).click({ timeout: 20_000 });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-tpm-'));
    [tpm, browser] = await Promise.all([startSwtpm(), launchChromium()]);
    gateway = await startGateway({ policy: { minKeyStorage: 'tpm', tpmEkCAs: [...tpm.ca.pems] } });
  }, 180_000);

  afterAll(() => closeAppHarness({ browser, preview, client, gateway, others: [tpm], dataDir }));

  it('a computer whose TPM cannot be used: refused, with one sentence saying why and what to do', async () => {
    await openApp(`device:${MISSING_DEVICE}`);
    await enrollThroughUi(await gateway.invite('no-tpm@example.com'));
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('This gateway needs a TPM-bound key');
    expect(text).toContain(
      `This gateway accepts only a device key held in a TPM, and Airlock cannot use this computer's TPM. This computer shows no TPM 2.0 (${MISSING_DEVICE} is missing): turn on the TPM (often called fTPM, PTT or Security Chip) in the firmware settings, or ask your administrator.`,
    );
    await snap(page, 'tpm-01-required-no-usable-tpm');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('with the TPM: enrolls, chats, and the Device screen names the TPM-bound key and what it does not stop', async () => {
    await page.close();
    await openApp(tpm.tcti);
    await enrollThroughUi(await gateway.invite('tpm-ui@example.com'));
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Device' }).click();
    await page.locator('[data-screen="device"]').waitFor();
    await expect.poll(() => page.getByTestId('trust-label').textContent(), { timeout: 20_000 }).toBe('Hardware-bound key (TPM 2.0)');
    const screen = (await page.locator('[data-screen="device"]').textContent()) ?? '';
    expect(screen).toContain('session’s short-lived key');
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ tester: string; keyStorage: string }>>();
    expect(devices.find((d) => d.tester === 'tpm-ui@example.com')?.keyStorage).toBe('tpm');
    await snap(page, 'tpm-02-device-screen-tpm-key');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
