/**
 * `npm start` on a headless machine (issue 14): the preview prints a URL that works when opened in
 * a browser (once: it says so), and the app can start from an invite to any gateway, which then
 * goes through the confirm screen. Runs main/preview/run-preview.ts as npm start does, against a
 * real gateway and the test keychain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Logger } from '../../main/core/ports.js';
import { createDesktopClient } from '../../main/shell/desktop-client.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { launchChromium } from './support/preview-harness.js';
import { snap } from './support/screens.js';

const RUN_PREVIEW = fileURLToPath(new URL('../../main/preview/run-preview.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Running { child: ChildProcess; lines: string[]; url: Promise<string> }

function runPreview(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_PREVIEW, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /open (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+) in ONE browser/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => lines.push(d.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`run-preview exited (${code}):\n${lines.join('\n')}`)));
  });
  return { child, lines, url };
}

async function stopPreview(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

describe('npm start, headless', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let dir: string;
  const runs: Running[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-start-'));
    [gateway, browser] = await Promise.all([startGateway(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    for (const running of runs) await stopPreview(running);
    await browser?.close();
    await gateway?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints a URL that opens the enrolled app in a browser, once', async () => {
    const running = runPreview(['--data', path.join(dir, 'dev'), '--headless', '--screenshot', path.join(dir, 'enrolled.png')], { AIRLOCK_PREVIEW_ENROLL_LINK: await gateway.invite('start@example.com') });
    runs.push(running);
    const url = await running.url;
    expect(running.lines.join('\n')).toMatch(/the link works once/);
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator('[data-screen="chat"]').waitFor({ timeout: 20_000 });
    await snap(page, 'start-01-printed-url');
    // The same URL in a second browser gets nothing: its token was used.
    const second = await browser.newPage();
    await second.goto(url);
    await second.getByText(/could not start|already used/).first().waitFor({ timeout: 10_000 });
    expect(await second.locator('[data-screen="chat"]').count()).toBe(0);
    await stopPreview(running);
    // Leaves the shared test keychain as it found it (a sign-out in the page needs a yes on a terminal this test has not).
    const client = await createDesktopClient({ dataPath: path.join(dir, 'dev', 'client'), app: { appVersion: '0.1.0', buildId: 'dev', packaged: false }, logger: quiet, gateway: gateway.url });
    await client.signOut();
    await client.close();
    const devices = (await gateway.cli(['device', 'list', '--json'])).json<Array<{ status: string }>>();
    expect(devices.map((d) => d.status)).toEqual(['retired']);
  }, 120_000);

  it('starts from an invite to any gateway, in the environment, and shows the confirm screen', async () => {
    const link = await gateway.invite('any-gateway@example.com');
    const running = runPreview(['--data', path.join(dir, 'invite'), '--headless'], { AIRLOCK_PREVIEW_INVITE: link });
    runs.push(running);
    const url = await running.url;
    const page = await browser.newPage();
    await page.goto(url);
    await expect(page.getByTestId('invite-gateway').textContent({ timeout: 20_000 })).resolves.toBe(gateway.url);
    await expect(page.getByTestId('invite-pin').textContent()).resolves.toBe(gateway.pin);
    await snap(page, 'start-02-any-gateway-confirm');
    // Enrolling needs the tester's yes in the terminal running npm start (main's confirmation); this test has none.
    await stopPreview(running);
  }, 120_000);
});
