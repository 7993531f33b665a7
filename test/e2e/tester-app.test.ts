/**
 * Issue 14, the tester's everyday use, in Debian's Chromium through the dev preview against a real
 * gateway process (policy `chatHistory: "encrypted"`, the demo upstream plus a small
 * OpenAI-compatible server) and the real test keychain. One test per problem the issue measured:
 * the conversation survives the Device screen and a reload; answer labels stay after a model
 * switch; reading above a streaming answer keeps the reader's place; the model list comes back by
 * itself after a gateway restart, with errors in the tester's words; conversations survive an app
 * restart and the file on disk holds no plaintext; sign-out leaves the device `retired` with an
 * audit entry; a revocation removes the history file and its key.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AirlockClient } from '../../main/core/api.js';
import type { Logger } from '../../main/core/ports.js';
import { createDesktopClient } from '../../main/shell/desktop-client.js';
import { freePort } from '../helpers/free-port.js';
import { startGateway, type StartGatewayOptions, type TestGateway } from '../helpers/gateway.js';
import { startOpenAiServer, type OpenAiTestServer } from '../helpers/openai-server.js';
import { memoryClipboard } from '../../main/preview/start-preview.js';
import { launchChromium, openPreview, removeBuiltRenderer, type Preview } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const run = promisify(execFile);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const APP = { appVersion: '0.1.0', buildId: 'dev', packaged: false } as const;

async function secretItems(service: string, account: string): Promise<string> {
  const result = await run('secret-tool', ['search', '--all', 'service', service, 'account', account]).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
  return `${result.stdout}${result.stderr}`;
}

const lastAnswer = (page: Page) => page.locator('article[data-role="assistant"]').last();

async function ask(page: Page, text: string): Promise<void> {
  const composer = page.getByLabel('Message');
  await composer.fill(text);
  await composer.press('Enter');
  // Done when the last turn is the answer to this message and it has ended.
  try {
    await page.waitForFunction((sent) => {
      const turns = [...document.querySelectorAll('article[data-role]')];
      const answer = turns.at(-1);
      const question = turns.at(-2);
      return answer?.getAttribute('data-role') === 'assistant' && question?.textContent?.includes(sent) === true && answer.getAttribute('data-status') !== 'streaming';
    }, text, { timeout: 25_000 });
  } catch (error) {
    // Said with what the page shows, so a rare hang on a loaded machine can be told apart:
    // the message never sent, the answer never started, or the stream never ended.
    const shown = await page
      .evaluate(() => ({
        screen: document.querySelector('[data-screen]')?.getAttribute('data-screen') ?? null,
        turns: [...document.querySelectorAll('article[data-role]')].slice(-3).map((t) => `${t.getAttribute('data-role')}:${t.getAttribute('data-status') ?? ''}:${(t.textContent ?? '').slice(0, 60)}`),
        alerts: [...document.querySelectorAll('[role="alert"], [role="status"]')].map((a) => (a.textContent ?? '').slice(0, 120)),
      }))
      .catch((e: unknown) => String(e));
    throw new Error(`no finished answer to "${text}" within 25 s; the page shows ${JSON.stringify(shown)}`, { cause: error });
  }
}

describe('the tester app: conversations, labels, recovery, reading, sign-out, history', () => {
  let upstream: OpenAiTestServer;
  let gateway: TestGateway;
  let gatewayOptions: StartGatewayOptions;
  let client: AirlockClient;
  let preview: Preview;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let deviceId = '';
  const pageErrors: string[] = [];
  const clipboard = memoryClipboard();

  async function openApp(): Promise<void> {
    client = await createDesktopClient({ dataPath: dataDir, app: APP, logger: quiet, gateway: gateway.url });
    preview = await openPreview(client, { clipboard });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(preview.server.pageUrl);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'airlock-e2e-tester-'));
    upstream = await startOpenAiServer({ slowMs: 10, longChunks: 3000 });
    const port = await freePort();
    gatewayOptions = {
      args: ['--listen', `127.0.0.1:${port}`],
      policy: { chatHistory: 'encrypted' },
      upstreams: {
        upstreams: [
          { kind: 'demo', tokensPerSecond: 400 },
          { kind: 'openai', name: 'lab', baseUrl: upstream.baseUrl, models: [{ id: 'gamma', upstreamId: 'test-chat' }, { id: 'longform', upstreamId: 'test-long' }] },
        ],
      },
    };
    [gateway, browser] = await Promise.all([startGateway(gatewayOptions), launchChromium()]);
    gatewayOptions.dataDir = gateway.dataDir;
    await openApp();
    // Enrolling by link is the enroll screens' own suite; here the app starts enrolled, as after `npm start`.
    const enrolled = await client.enroll(await gateway.invite('tester-app@example.com'));
    if (enrolled.kind !== 'enrolled') throw new Error(`enrollment failed: ${JSON.stringify(enrolled)}`);
    deviceId = enrolled.deviceId;
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
    await client?.signOut({ localOnly: true }).catch(() => {});
    await client?.close();
    await gateway?.stop();
    await upstream?.close();
    await removeBuiltRenderer();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the conversation across the Device screen and a reload', async () => {
    await ask(page, 'Tell me about airlocks on the space station');
    await ask(page, 'And a second question');
    await snap(page, 'tester-01-chat');
    await page.getByRole('button', { name: 'Device' }).click();
    await page.locator('[data-screen="device"]').waitFor();
    await expect(page.getByTestId('history-status').textContent()).resolves.toMatch(/^kept on this computer, encrypted/);
    await snap(page, 'tester-02-device');
    // The chat comes back drawn with its conversation, never an empty chat first: watch the first
    // frame the chat screen is in the page and count the turns in it (the old screen drew none
    // until main answered, and the tester saw the conversation vanish for a moment).
    type Watched = { firstChatFrame?: Promise<number> };
    await page.evaluate(() => {
      (window as unknown as Watched).firstChatFrame = new Promise<number>((resolve) => {
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-screen="chat"]') === null) return;
          observer.disconnect();
          resolve(document.querySelectorAll('article[data-role="user"]').length);
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
    });
    await page.getByRole('button', { name: 'Back to chat' }).click();
    await expect(page.evaluate(() => (window as unknown as Watched).firstChatFrame)).resolves.toBe(2);
    await page.locator('[data-screen="chat"]').waitFor();
    await expect(page.locator('article[data-role="user"]').allTextContents()).resolves.toEqual([
      expect.stringContaining('Tell me about airlocks on the space station'),
      expect.stringContaining('And a second question'),
    ]);
    await page.reload();
    await page.locator('article[data-role="user"]').nth(1).waitFor({ timeout: 10_000 });
    await expect(page.locator('article[data-role="user"]').count()).resolves.toBe(2);
    await expect(page.locator('article[data-role="assistant"][data-status="complete"]').count()).resolves.toBe(2);
    await snap(page, 'tester-03-after-reload');
    // Two answers, two screens and a reload: more than the default 30 s on a loaded CI machine.
  }, 60_000);

  it('keeps each answer labelled with the model that wrote it after a model switch', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => page.locator('article').count()).toBe(0);
    await ask(page, 'first, from the demo');
    await page.getByLabel('Model').selectOption('gamma');
    await ask(page, 'second, from gamma');
    const labels = await page.getByTestId('answer-model').allTextContents();
    // The first keeps the demo's name; the second is what the upstream's answer named (its own id
    // for the "gamma" entry), not the picker's value.
    expect(labels).toEqual(['airlock-demo', 'test-chat']);
    await expect(page.getByTestId('answer-ending').allTextContents()).resolves.toEqual(['complete', 'complete']);
    await page.getByLabel('Model').selectOption('airlock-demo');
    await expect(page.getByTestId('answer-model').allTextContents()).resolves.toEqual(['airlock-demo', 'test-chat']);
    await snap(page, 'tester-04-labels');
  });

  it('answers from the demo like a model, and copies a code block through main with the watermark line', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => page.locator('article').count()).toBe(0);
    await ask(page, 'Write a python function to count tester sessions');
    const answer = lastAnswer(page);
    await expect(answer.locator('pre code').textContent()).resolves.toMatch(/def summarize_\w+\(/);
    await answer.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied, with your watermark line at the end.' }).waitFor();
    expect(clipboard.last).toMatch(/^from collections import Counter\n(.|\n)*def summarize_\w+\((.|\n)*\n\n-- copied from Airlock by tester-app@example\.com \(dev_[A-Za-z0-9_-]+\), \d{4}-\d\d-\d\d \d\d:\d\d UTC\n$/);
    await ask(page, 'Compare sqlite versus postgres for the audit log');
    await expect(lastAnswer(page).locator('table tr').count()).resolves.toBeGreaterThan(3);
    await ask(page, 'Explain in detail how revocation reaches a streaming laptop');
    await expect(lastAnswer(page).locator('h2').count()).resolves.toBe(5);
    await expect(page.getByTestId('answer-model').allTextContents()).resolves.toEqual(['airlock-demo', 'airlock-demo', 'airlock-demo']);
    await snap(page, 'tester-04b-demo-markdown');
  });

  it('keeps the reader’s place while an answer streams, with Jump to latest', async () => {
    await page.setViewportSize({ width: 1280, height: 560 });
    await page.getByLabel('Model').selectOption('longform');
    const composer = page.getByLabel('Message');
    await composer.fill('a very long answer please');
    await composer.press('Enter');
    const log = page.getByRole('log', { name: 'Conversation' });
    // Long enough to scroll, still streaming.
    await page.waitForFunction(() => {
      const el = document.querySelector('[role="log"]')!;
      return el.scrollHeight > el.clientHeight + 600 && document.querySelector('article[data-status="streaming"]') !== null;
    }, undefined, { timeout: 20_000 });
    // The keyboard reaches the log: focus it and go up with Home.
    await log.focus();
    await page.keyboard.press('Home');
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
    const grown = await log.evaluate((el) => el.scrollHeight);
    await page.waitForFunction((h) => document.querySelector('[role="log"]')!.scrollHeight > h + 200, grown, { timeout: 10_000 });
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
    await page.getByRole('button', { name: /Jump to latest/ }).waitFor();
    await snap(page, 'tester-05-reading-above');
    await page.keyboard.press('PageDown');
    expect(await log.evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
    await page.getByRole('button', { name: /Jump to latest/ }).click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[role="log"]')!;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    });
    await page.getByRole('button', { name: 'Stop' }).click();
    await lastAnswer(page).locator('[data-testid="answer-ending"]', { hasText: 'stopped' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('Model').selectOption('airlock-demo');
  }, 90_000);

  it('reloads the models by itself after a gateway restart, and says what failed in plain words', async () => {
    await gateway.stop({ keepData: true });
    await page.getByText('Reconnecting to the gateway').waitFor({ timeout: 20_000 });
    // A send while it is down fails once, in plain words, with Retry (the old app said ECONNREFUSED twice).
    await ask(page, 'are you there?');
    const failed = lastAnswer(page);
    await expect(failed.getAttribute('data-status')).resolves.toBe('failed');
    await expect(failed.getByRole('alert').count()).resolves.toBe(1);
    const said = (await failed.getByRole('alert').textContent()) ?? '';
    expect(said.split('The gateway is not reachable.').length - 1).toBe(1);
    expect(said).not.toMatch(/ECONNREFUSED|Check the network/);
    await failed.getByRole('button', { name: 'Retry' }).waitFor();
    await page.reload();
    const modelsNotice = page.getByRole('alert').filter({ hasText: 'Could not load the models' });
    await modelsNotice.waitFor({ timeout: 15_000 });
    const text = (await modelsNotice.textContent()) ?? '';
    expect(text).toContain('The gateway is not reachable.');
    expect(text).not.toMatch(/ECONNREFUSED|Something went wrong inside the app/);
    await snap(page, 'tester-06-gateway-down');

    gateway = await startGateway(gatewayOptions);
    // No click on Retry: the control channel's reconnect brings the models back.
    await page.waitForFunction(() => {
      const select = document.querySelector('select');
      return select !== null && [...select.options].some((o) => o.value === 'airlock-demo') && !document.body.textContent!.includes('Could not load the models');
    }, undefined, { timeout: 45_000 });
    await page.getByText('Reconnecting to the gateway').waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByLabel('Model').selectOption('airlock-demo');
    await ask(page, 'are you back?');
    await expect(lastAnswer(page).getAttribute('data-status')).resolves.toBe('complete');
    await snap(page, 'tester-07-gateway-back');
  }, 90_000);

  it('keeps conversations across an app restart in a file that holds no plaintext', async () => {
    const conversationsBefore = await page.getByRole('navigation', { name: 'Conversations' }).getByRole('listitem').count();
    await page.close();
    await preview.close();
    await client.close();
    const files = (await readdir(dataDir)).filter((f) => f.startsWith('history-'));
    expect(files).toHaveLength(1);
    const sealed = await readFile(path.join(dataDir, files[0]!));
    for (const plain of ['airlocks on the space station', 'second question', 'first, from the demo', 'w12 w13', 'airlock-demo', '"turns"']) {
      expect(sealed.includes(Buffer.from(plain)), plain).toBe(false);
    }
    expect(await secretItems('Airlock history', gateway.url)).toContain('Airlock history');

    await openApp();
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(conversationsBefore);
    await list.getByRole('button', { name: /Tell me about airlocks/ }).click();
    await page.locator('article[data-role="user"]', { hasText: 'And a second question' }).waitFor();
    await expect(page.getByTestId('answer-ending').allTextContents()).resolves.toEqual(['complete', 'complete']);
    await snap(page, 'tester-08-after-app-restart');
  }, 60_000); // the app closed and opened again: a 20 s wait for its chat screen alone

  it('signs out by retiring the device at the gateway: `retired` in device list, with an audit entry', async () => {
    await page.getByRole('button', { name: 'Device' }).click();
    await page.getByRole('button', { name: 'Sign out of this device…' }).click();
    await snap(page, 'tester-09-sign-out-confirm');
    await page.getByRole('button', { name: 'Delete and sign out' }).click();
    await page.locator('[data-screen="enroll"]').waitFor({ timeout: 15_000 });
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ id: string; status: string }>>();
    expect(devices.find((d) => d.id === deviceId)?.status).toBe('retired');
    const audit = (await gateway.cli(['audit', 'tail', '-n', '30', '--json'])).json<Array<{ type: string; actor: string }>>();
    expect(audit).toContainEqual(expect.objectContaining({ type: 'device.retire', actor: `device:${deviceId}` }));
    expect(await secretItems('Airlock', gateway.url)).not.toContain('Airlock');
    expect(await secretItems('Airlock history', gateway.url)).not.toContain('Airlock');
    expect((await readdir(dataDir)).filter((f) => f.startsWith('history-'))).toEqual([]);
    await snap(page, 'tester-10-signed-out');
  }, 90_000); // two CLI runs: each a fresh Node process, which takes tens of seconds on a loaded 2-core machine

  it('deletes the history file and its key when the device is revoked', async () => {
    const enrolled = await client.enroll(await gateway.invite('tester-app@example.com'));
    if (enrolled.kind !== 'enrolled') throw new Error('enrollment failed');
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    await ask(page, 'something worth keeping');
    await expect.poll(async () => (await readdir(dataDir)).filter((f) => f.startsWith('history-')).length).toBe(1);
    expect(await secretItems('Airlock history', gateway.url)).toContain('Airlock history');
    const revoked = await gateway.cli(['device', 'revoke', enrolled.deviceId, '--reason', 'end of the programme', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    await page.locator('[data-screen="revoked"]').waitFor({ timeout: 10_000 });
    await expect.poll(async () => (await readdir(dataDir)).filter((f) => f.startsWith('history-'))).toEqual([]);
    await expect.poll(() => secretItems('Airlock history', gateway.url)).not.toContain('Airlock history');
    expect(await secretItems('Airlock', gateway.url)).not.toContain('Airlock');
    expect(pageErrors).toEqual([]);
  }, 90_000); // a CLI run and an enrollment: slow on a loaded machine
});
