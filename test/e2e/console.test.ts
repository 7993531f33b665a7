/**
 * Issue 16, must show 1: the admin console in Debian's Chromium against a real gateway process.
 * Opened through the CLI's one-time link; the overview counts the device a test client holds
 * connected (an event channel and a model stream); a revoke from the device page cuts both and
 * the page shows it without a reload; a revoke from the CLI shows on an open device page through
 * the pushed live feed, without a reload and without the page asking anything; the locks page
 * lists, creates and removes locks as the OS user via the console; the audit view shows the revocation with the OS user and "console". Every page
 * is photographed into test-results/screenshots/console-*.png.
 */
import { userInfo } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../gateway/console/assets.js';
import { consoleLink } from '../helpers/console.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { TestDevice } from '../helpers/pinned-client.js';
import { openStream, type OpenStream } from '../integration/model/streaming-device.js';
import { launchChromium } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const OS_USER = userInfo().username;

describe('the admin console in Chromium', { timeout: 90_000 }, () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let ada: TestDevice;
  let bob: TestDevice;
  beforeAll(async () => {
    // Built (when the sources changed) before the gateway starts, so the page is there at once.
    await buildConsole();
    [gw, browser] = await Promise.all([
      startGateway({
        args: ['--console-listen', '127.0.0.1:0'],
        // A slow demo model: a streamed answer stays open long enough to be cut.
        upstreams: { upstreams: [{ kind: 'demo', tokensPerSecond: 2 }] },
      }),
      launchChromium(),
    ]);
    ada = await gw.enrolledDevice('ada@example.com');
    bob = await gw.enrolledDevice('bob@example.com');
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  }, 120_000);

  /** Marks the document; a reload would lose the mark. */
  const markDocument = () => page.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));
  const stillSameDocument = () => page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true);

  let channel: OpenStream;
  let chat: OpenStream;

  it('opens through the one-time link and shows the connected device on the overview', async () => {
    await ada.fetch('GET', '/v1/models'); // a fresh nonce for the two streams
    channel = await openStream(ada, 'GET', '/v1/events');
    expect(channel.status).toBe(200);
    expect((await channel.next())?.event).toBe('heartbeat');
    chat = await openStream(ada, 'POST', '/v1/chat/completions', { model: 'airlock-demo', stream: true, messages: [{ role: 'user', content: 'Tell me a long story' }] });
    expect(chat.status).toBe(200);
    expect(await chat.next()).not.toBeNull();

    const { link } = await consoleLink(gw);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The secret left the address bar at once.
    expect(page.url()).not.toContain('login=');
    // The entry traded the link before React's chunk ran (not React, once loaded: a round trip
    // later), and the overview's data was asked for once, by the entry after the trade.
    const requests = await page.evaluate(() => ({
      loginAt: performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === '/api/login')?.startTime ?? null,
      reactRunAt: performance.getEntriesByName('airlock-react-run', 'mark')[0]?.startTime ?? null,
      overviewReads: performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname === '/api/overview').length,
    }));
    expect(requests.loginAt).not.toBeNull();
    expect(requests.reactRunAt).not.toBeNull();
    expect(requests.loginAt!).toBeLessThan(requests.reactRunAt!);
    expect(requests.overviewReads).toBe(1);
    await expect.poll(() => page.getByTestId('connected-devices').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('open-streams').textContent()).toBe('1');
    expect(await page.locator('.who').textContent()).toContain(OS_USER);
    await snap(page, 'console-overview');
  });

  it('lists and searches devices and testers', async () => {
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByTestId('devices-table').waitFor();
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe('2 of 2');
    await page.getByRole('searchbox', { name: 'Search devices' }).fill('ada@');
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe('1 of 2');
    expect(await page.getByTestId('devices-table').textContent()).toContain('1 channel, 1 stream');
    await snap(page, 'console-devices');
    await page.getByRole('link', { name: 'Testers', exact: true }).click();
    await page.getByRole('heading', { name: 'Testers' }).waitFor();
    await page.getByRole('cell', { name: 'bob@example.com' }).waitFor();
    await snap(page, 'console-testers');
  });

  it('opens a page in a new tab drawn with its data by the gateway, and React takes that drawing over', async () => {
    // From the document's start (before the page's scripts): every change to the app's root as
    // text, and the first element to show the page's data (React must keep it, not draw its own).
    const recordRoot = (testId: string) => `(() => {
      window.__rootTexts = [];
      new MutationObserver(() => {
        const text = document.getElementById('root')?.textContent ?? '';
        if (window.__rootTexts.at(-1) !== text) window.__rootTexts.push(text);
        window.__firstShown ??= document.querySelector('[data-testid=${testId}]') ?? undefined;
      }).observe(document, { childList: true, subtree: true, characterData: true });
    })()`;
    const origin = new URL(page.url()).origin;
    // Per page: its address, the element that shows the data, what it shows, and how that reads in the root's text.
    const pages = [
      ['/devices', 'device-count', '2 of 2', '2 of 2'],
      ['/', 'connected-devices', '1', '1Devices connected now'],
    ] as const;
    const cookies = await page.context().cookies();
    for (const [path, testId, shown, data] of pages) {
      // A new tab holding the session's cookie (the page's own context takes no second tab).
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      try {
        await context.addCookies(cookies);
        await context.addInitScript(recordRoot(testId));
        const fresh = await context.newPage();
        const errors: string[] = [];
        fresh.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        fresh.on('pageerror', (e) => errors.push(e.message));
        const response = await fresh.goto(`${origin}${path}`);
        // The HTML itself holds the page with its data, and is kept by nothing (it holds the CSRF token).
        expect(await response!.text()).toContain(`data-testid="${testId}">${shown}<`);
        expect(response!.headers()['cache-control']).toBe('no-store');
        // Its stylesheet is inline, allowed by its hash alone (a refused style would be a console error below).
        expect(response!.headers()['content-security-policy']).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; /);
        await fresh.locator('html[data-interactive]').waitFor({ state: 'attached' });
        expect(await fresh.getByTestId(testId).textContent()).toBe(shown);
        const texts = await fresh.evaluate(() => (window as unknown as { __rootTexts: string[] }).__rootTexts);
        // The root never reads "Opening the console…": it is parsed from the HTML with the page and its data.
        expect(texts.filter((t) => t.includes('Opening the console')), JSON.stringify(texts.map((t) => t.slice(0, 80)))).toEqual([]);
        expect(texts.some((t) => t.includes(data))).toBe(true);
        // Taken over, not drawn again: the element the gateway drew is the one on the page, and
        // React reported no mismatch between its drawing and the gateway's.
        expect(await fresh.evaluate((id) => (window as unknown as { __firstShown?: Element }).__firstShown === document.querySelector(`[data-testid=${id}]`), testId)).toBe(true);
        expect(errors).toEqual([]);
        // And it works: a link inside the console moves without a page load.
        await fresh.getByRole('link', { name: 'Testers', exact: true }).click();
        await fresh.getByRole('cell', { name: 'bob@example.com' }).waitFor();
        expect(new URL(fresh.url()).pathname).toBe('/testers');
      } finally {
        await context.close();
      }
    }
    // The gateway's drawing code and the build's stamp are not served.
    for (const hidden of ['/.ssr/first-paint.js', '/.source-hash']) expect((await page.request.get(`${origin}${hidden}`)).status()).toBe(404);
  });

  it('draws the page in the browser when the gateway did not (an older #/ link), without its data when the data is slow, and fills it in from the same request', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      await context.addCookies(await page.context().cookies());
      const fresh = await context.newPage();
      // The devices read is held until the page has drawn without it.
      let asked = 0;
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await fresh.route('**/api/devices', async (route) => {
        asked++;
        await released;
        await route.continue();
      });
      // The gateway sees only `/` of `/#/devices` (it drew the overview): the browser draws the devices page.
      await fresh.goto(`${new URL(page.url()).origin}/#/devices`);
      await fresh.getByRole('heading', { name: 'Devices' }).waitFor();
      expect(new URL(fresh.url()).pathname).toBe('/devices');
      expect(await fresh.getByTestId('device-count').textContent()).toBe('');
      release();
      await expect.poll(() => fresh.getByTestId('device-count').textContent()).toBe('2 of 2');
      expect(asked).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('revokes from the device page: the streams are cut and the page says revoked without a reload', async () => {
    await page.goto(`${new URL(page.url()).origin}/devices/${ada.deviceId!}`);
    await page.getByTestId('device-status').waitFor();
    expect(await page.getByTestId('device-status').textContent()).toBe('active');
    expect(await page.getByTestId('device-connections').textContent()).toBe('1 event channel and 1 open model stream');
    expect(await page.locator('.panel').first().textContent()).toContain('keyStorage"keychain"');
    expect(await page.getByTestId('trust-level').textContent()).toMatch(/^keychain key with self-reported evidence/);
    await snap(page, 'console-device');
    await markDocument();

    await page.getByRole('button', { name: 'Revoke device…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Cuts 1 event channel and 1 open model stream of ada@example.com now.');
    await dialog.getByLabel('Message shown to the tester').fill('laptop lost');
    await dialog.getByLabel('Note for the audit log only').fill('ticket 4711');
    await snap(page, 'console-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke device' }).click();

    // The test client's streams end: the channel with `revoked`, the model stream is cut.
    const events = await channel.rest();
    expect(events.map((e) => e.event)).toContain('revoked');
    expect(events.find((e) => e.event === 'revoked')?.data).toBe(JSON.stringify({ reason: 'laptop lost' }));
    const rest = await chat.rest();
    expect(rest.map((e) => e.data).join('\n')).not.toContain('[DONE]');
    expect((await ada.fetch('GET', '/v1/models')).errorCode).toBe('device_revoked');

    await expect.poll(() => page.getByTestId('device-status').textContent()).toBe('revoked');
    await expect.poll(() => page.getByTestId('device-connections').textContent()).toBe('0 event channels and 0 open model streams');
    expect(await stillSameDocument()).toBe(true);
    await snap(page, 'console-device-revoked');
  });

  it('shows a revocation made with the CLI on an open device page, pushed: no reload and no request', async () => {
    await page.goto(`${new URL(page.url()).origin}/devices/${bob.deviceId!}`);
    await expect.poll(() => page.getByTestId('device-status').textContent()).toBe('active');
    await page.locator('.dot.on').waitFor(); // the live feed is open
    // An operation now announces itself and everything the log holds before it (the earlier tests'
    // refusals and model calls), so the feed's 15 s look at the store has nothing left to report.
    const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/devices/${bob.deviceId!}`);
    await gw.admin({ op: 'invite.create', email: 'quiet@example.com', expiresInSeconds: 3600, devices: 1 });
    await reloaded;
    await markDocument();
    // Every request the page makes from here on, the live feed's own stream apart.
    const asked: string[] = [];
    const feeds: string[] = [];
    const note = (request: { url(): string }) => {
      const path = new URL(request.url()).pathname;
      (path === '/api/events' ? feeds : asked).push(path);
    };
    page.on('request', note);
    try {
      // A quiet page asks nothing: nothing polls.
      await page.waitForTimeout(2_500);
      expect(asked).toEqual([]);
      const cli = await gw.cli(['device', 'revoke', bob.deviceId!, '--reason', 'from the CLI', '--json']);
      expect(cli.code, cli.stderr).toBe(0);
      await expect.poll(() => page.getByTestId('device-status').textContent(), { timeout: 10_000 }).toBe('revoked');
      // The revoked state came with the pushed event itself: the page asked the API nothing, and
      // the feed's stream is the one it had (no reconnect).
      expect(asked).toEqual([]);
      expect(feeds).toEqual([]);
      expect(await stillSameDocument()).toBe(true);
    } finally {
      page.off('request', note);
    }
  });

  it('locks a device from its page for a while, with a message, and removes the lock', async () => {
    const carl = await gw.enrolledDevice('carl@example.com');
    await carl.fetch('GET', '/v1/models');
    const carlChannel = await openStream(carl, 'GET', '/v1/events');
    expect((await carlChannel.next())?.event).toBe('heartbeat');
    await page.goto(`${new URL(page.url()).origin}/devices/${carl.deviceId!}`);
    await expect.poll(() => page.getByTestId('device-connections').textContent()).toBe('1 event channel and 0 open model streams');
    await page.getByRole('button', { name: 'Lock device…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('The device keeps its key');
    await dialog.getByLabel(/^For/).selectOption({ label: '2 hours' });
    await dialog.getByLabel('Message shown to the tester').fill('Security review until noon');
    await snap(page, 'console-lock-confirm');
    await dialog.getByRole('button', { name: 'Lock device' }).click();
    const cut = await carlChannel.rest();
    carlChannel.abort();
    expect(cut.find((e) => e.event === 'locked')?.data).toContain('Security review until noon');
    await expect.poll(() => page.getByTestId('device-lock').textContent()).toMatch(/^Locked until .*; the tester sees: "Security review until noon"\.$/);
    expect((await carl.fetch('GET', '/v1/models')).errorCode).toBe('device_locked');
    await snap(page, 'console-device-locked');
    await page.getByRole('button', { name: 'Remove lock…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove lock' }).click();
    await expect.poll(() => page.getByTestId('device-lock').count()).toBe(0);
    await carl.session();
    expect((await carl.fetch('GET', '/v1/models')).status).toBe(200);
  });

  it('lists, creates and removes locks on the locks page, audited with the OS user and "console"', async () => {
    await gw.enrolledDevice('dora@example.com');
    await page.getByRole('link', { name: 'Locks', exact: true }).click();
    await page.getByRole('heading', { name: 'Locks' }).waitFor();
    await page.getByText('No lock holds now.').waitFor();
    // A lock made with the CLI is listed too: the page shows the same locks as `lock list`.
    const cli = await gw.cli(['lock', 'create', '--tester', 'bob@example.com', '--ttl', '1h', '--message', 'From the CLI', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    await page.getByRole('cell', { name: /bob@example\.com/ }).waitFor();

    await page.getByRole('textbox', { name: "Tester's email" }).fill('dora@example.com');
    await page.getByRole('button', { name: 'Lock…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Cuts the live connections of every device of dora@example.com now');
    await dialog.getByLabel(/^For/).selectOption({ label: '8 hours' });
    await dialog.getByLabel('Chat history on the tester’s computer').selectOption({ label: 'deleted, with its key (a lost laptop)' });
    await dialog.getByLabel('Message shown to the tester').fill('Paused during the review');
    await dialog.getByLabel('Note for the audit log only').fill('ticket 5150');
    await dialog.getByRole('button', { name: 'Lock tester' }).click();
    const row = page.locator('[data-testid=locks-table] tbody tr', { hasText: 'dora@example.com' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Paused during the review');
    expect(await row.textContent()).toContain('The app deletes its chat history.');
    expect(await row.textContent()).toContain(`admin:${OS_USER} via console`);
    const locks = await gw.admin<{ id: string; target: string; createdBy: string; expiresAt: string; wipeHistory: boolean }[]>({ op: 'lock.list' });
    const dora = locks.find((l) => l.target === 'dora@example.com');
    expect(dora?.createdBy).toBe(`admin:${OS_USER} via console`);
    expect(locks.map((l) => [l.target, l.wipeHistory])).toEqual([['bob@example.com', false], ['dora@example.com', true]]);
    expect(Date.parse(dora!.expiresAt) - Date.now()).toBeGreaterThan(7.9 * 3600_000);
    await snap(page, 'console-locks');

    await row.getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('dialog').getByLabel('Note for the audit log only').fill('review done');
    await page.getByRole('dialog').getByRole('button', { name: 'Remove lock' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await gw.admin<{ target: string }[]>({ op: 'lock.list' })).map((l) => l.target)).toEqual(['bob@example.com']);
    const audit = await gw.admin<{ type: string; actor: string; subject: string; details: { note?: string } }[]>({ op: 'audit.tail', n: 20 });
    expect(audit.find((e) => e.type === 'admin.lock.create' && e.subject === 'dora@example.com')).toMatchObject({ actor: `admin:${OS_USER} via console`, details: { note: 'ticket 5150' } });
    expect(audit.find((e) => e.type === 'admin.lock.remove' && e.subject === dora!.id)).toMatchObject({ actor: `admin:${OS_USER} via console`, details: { note: 'review done' } });
    await gw.admin({ op: 'lock.remove', id: locks.find((l) => l.target === 'bob@example.com')!.id });
  });

  it('shows the revocation in the audit view with the OS user and "console", and verifies the chain', async () => {
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByTestId('audit-table').waitFor();
    await page.getByRole('textbox', { name: 'Type starts with' }).fill('admin.device.revoke');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filtered page replaces the unfiltered one: wait for the revocation row itself.
    const row = page.locator('[data-testid=audit-table] tbody tr', { hasText: ada.deviceId! }).filter({ hasText: 'admin.device.revoke' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain(`admin:${OS_USER} via console`);
    expect(text).toContain('laptop lost');
    expect(text).toContain('ticket 4711');
    // The CLI's revocation is there too, under its own actor.
    await page.locator('[data-testid=audit-table] tbody tr', { hasText: bob.deviceId! }).filter({ hasText: 'admin.device.revoke' }).waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(/^The chain verifies: \d+ entries\. Head \d+:[0-9a-f]{64}/);
    await snap(page, 'console-audit');
  });

  it('creates an invite with the text to send and a QR code, and shows usage and policy', async () => {
    await page.getByRole('link', { name: 'Invites', exact: true }).click();
    await page.getByRole('textbox', { name: "Tester's email" }).fill('cy@example.com');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const created = page.getByTestId('invite-created');
    await created.waitFor();
    const message = await page.getByRole('textbox', { name: 'Invite message' }).inputValue();
    expect(message).toMatch(/^You are invited to test with Airlock\./);
    expect(message).toContain('airlock://');
    await expect.poll(() => created.getByRole('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await page.getByRole('cell', { name: 'cy@example.com' }).waitFor();
    await snap(page, 'console-invites');

    await page.getByRole('link', { name: 'Usage', exact: true }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page.getByRole('cell', { name: 'ada@example.com' }).waitFor();
    await snap(page, 'console-usage');

    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    await page.getByText('policy.json').waitFor();
    await snap(page, 'console-policy');

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByTestId('last-verify').waitFor();
    await expect.poll(() => page.getByTestId('connected-devices').textContent()).toBe('0');
    await snap(page, 'console-overview-after');
  });

  it('draws a long devices table a page at a time, and every device is on one of its pages', async () => {
    // 60 more devices: more than one page of rows (50).
    for (let i = 0; i < 60; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => gw.enrolledDevice(`many${i + j}@example.com`)));
    const all = (await gw.admin<{ id: string }[]>({ op: 'device.list' })).map((d) => d.id);
    expect(all.length).toBeGreaterThan(60);
    const total = `${all.length} of ${all.length}`;
    const ids = () => page.locator('[data-testid=devices-table] tbody tr td:first-child').allTextContents();
    const range = page.getByTestId('pager-range');
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe(total);
    expect(await range.textContent()).toBe(`Devices 1–50 of ${all.length}`);
    const first = await ids();
    expect(first).toHaveLength(50);
    await range.scrollIntoViewIfNeeded();
    await snap(page, 'console-devices-paged');
    await page.getByRole('button', { name: 'Next 50' }).click();
    await expect.poll(() => range.textContent()).toBe(`Devices 51–${all.length} of ${all.length}`);
    const second = await ids();
    expect([...first, ...second].sort()).toEqual([...all].sort());
    expect(await page.getByRole('button', { name: 'Next 50' }).isDisabled()).toBe(true);
    // A search covers every device, not only the page shown, and starts again at its first page.
    await page.getByRole('searchbox', { name: 'Search devices' }).fill('many');
    await expect.poll(() => page.getByTestId('device-count').textContent()).toBe(`60 of ${all.length}`);
    expect(await range.textContent()).toBe('Devices 1–50 of 60');
    await page.getByRole('button', { name: 'Last' }).click();
    await expect.poll(() => ids()).toHaveLength(10);
    await page.getByRole('button', { name: 'Previous 50' }).click();
    await expect.poll(() => ids()).toHaveLength(50);
  });

  it('refuses the same link a second time, in words that say what to do', async () => {
    const { link } = await consoleLink(gw);
    const first = await browser.newPage();
    await first.goto(link);
    await first.getByRole('heading', { name: 'Overview' }).waitFor();
    const second = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    await second.goto(link);
    await second.getByTestId('gate').waitFor();
    expect(await second.getByRole('alert').textContent()).toMatch(/already used or has expired.*airlock-gateway console/);
    await snap(second, 'console-link-used');
    await Promise.all([first.close(), second.close()]);
  });
});
