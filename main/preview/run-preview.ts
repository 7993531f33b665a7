/**
 * DEV-ONLY: the browser preview's process, started by scripts/start.ts where no Electron binary
 * exists. It plays main.ts's part (the real client core, the same API service) behind the loopback
 * bridge, and opens the unchanged renderer in Debian's Chromium: in a window when there is a
 * display, otherwise headless with a screenshot of the enrolled app written to a printed path.
 *
 * Usage: AIRLOCK_PREVIEW_ENROLL_LINK=LINK node --import tsx main/preview/run-preview.ts --data DIR [--headless] [--screenshot FILE]
 *   or, for an invite to any gateway (it then goes through the confirm screen), the link as
 *   AIRLOCK_PREVIEW_INVITE instead. Links travel in the environment, never argv: /proc/PID/cmdline
 *   is readable by every local user and an invite holds a one-time code (issue 12, hole 9).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';
import { parseInviteLink } from '../../protocol/invite/link.js';
import { createPendingInvites } from '../ipc/pending-invites.js';
import { consoleLogger, createDesktopClient } from '../shell/desktop-client.js';
import { buildRenderer } from './build-renderer.js';
import { startPreview } from './start-preview.js';
import { terminalConfirmations } from './terminal-confirm.js';

const CHROMIUM = '/usr/bin/chromium';
// Chromium's own OS sandbox needs user namespaces that root does not get; the page's isolation is unchanged.
const ROOT_ARGS = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
const QUIET_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check'];

const say = (line: string) => process.stdout.write(`airlock: ${line}\n`);
/** An invite for any gateway, passed by `npm start --invite` in the environment (argv is world-readable). */
export const INVITE_ENV = 'AIRLOCK_PREVIEW_INVITE';
/** The invite of the dev gateway `npm start` itself started: enrolled without a confirm screen. */
export const ENROLL_LINK_ENV = 'AIRLOCK_PREVIEW_ENROLL_LINK';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, headless: { type: 'boolean' }, screenshot: { type: 'string' } } });
  const offered = process.env[INVITE_ENV];
  const own = process.env[ENROLL_LINK_ENV];
  // Out of this process's environment at once: the children it starts (Chromium) need neither.
  delete process.env[INVITE_ENV];
  delete process.env[ENROLL_LINK_ENV];
  if (!values.data || (!own && !offered)) throw new Error(`--data and the link (in ${ENROLL_LINK_ENV}, or ${INVITE_ENV}) are required`);
  const link = own ?? offered!;
  const started = Date.now();
  const dataDir = path.resolve(values.data);
  const rendererDir = path.join(dataDir, 'renderer');
  const console = consoleLogger('airlock-preview', 'warn');
  // Ctrl-C reaches the gateway too; its dropped connections while stopping are not news.
  let stopping = false;
  const logger: typeof console = {
    debug: (m, f) => void (stopping || console.debug(m, f)),
    info: (m, f) => void (stopping || console.info(m, f)),
    warn: (m, f) => void (stopping || console.warn(m, f)),
    error: (m, f) => void (stopping || console.error(m, f)),
  };
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

  const [client] = await Promise.all([
    createDesktopClient({ dataPath: path.join(dataDir, 'client'), app: { appVersion: version, buildId: 'dev', packaged: false }, logger, gateway: parseInviteLink(link).gateway }),
    buildRenderer(rendererDir, { reuse: true }),
  ]);
  // The link and its pin come straight from the gateway this command started, over a pipe: there is
  // nothing for a person to check, so `npm start` confirms it itself. Pasted and deep links still
  // go through the confirm screen.
  const invites = createPendingInvites();
  const state = client.state();
  if (state.kind !== 'enrolled' && own === undefined) {
    // Someone else's gateway: the tester checks its origin and pin on the confirm screen.
    if (!invites.offer(link)) throw new Error('that is not an Airlock invite link');
    say(`the app opens on the confirm screen for ${parseInviteLink(link).gateway}: check the gateway and pin, then enroll`);
  } else if (state.kind !== 'enrolled' && own !== undefined) {
    const enrolled = await client.enroll(own);
    if (enrolled.kind !== 'enrolled') throw new Error(`enrollment failed: ${enrolled.kind === 'error' ? `${enrolled.code}: ${enrolled.message}` : enrolled.kind}`);
    say(`enrolled as ${enrolled.tester}, device ${enrolled.deviceId}`);
  } else if (state.kind === 'enrolled') {
    say(`already enrolled as ${state.tester}, device ${state.deviceId}`);
  }

  // Pasted links and sign-out are confirmed here, in this terminal, where the page cannot answer.
  const server = await startPreview({ client, invites, confirm: terminalConfirmations(), rendererDir });
  let browser: Browser | null = null;
  let window: BrowserContext | null = null;

  const stop = async () => {
    stopping = true;
    await browser?.close().catch(() => {});
    await window?.close().catch(() => {});
    await server.close();
    await client.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const openOnce = () => say(`open ${server.issuePageUrl()} in ONE browser on this machine (through \`ssh -L ${new URL(server.origin).port}:127.0.0.1:${new URL(server.origin).port}\` from another); the link works once, run \`npm start\` again for a fresh one`);
  if (values.headless && client.state().kind !== 'enrolled') {
    // The pending invite is for the tester's browser, not for a screenshot.
    say(`no display: the headless preview is up at ${server.origin} until Ctrl-C`);
    openOnce();
  } else if (values.headless) {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ROOT_ARGS, '--disable-gpu', ...QUIET_ARGS] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.pageUrl);
    await page.waitForSelector('[data-screen="chat"]', { timeout: 20_000 });
    const file = path.resolve(values.screenshot ?? path.join(dataDir, 'enrolled.png'));
    await mkdir(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    say(`enrolled chat screen reached ${((Date.now() - started) / 1000).toFixed(1)} s after the preview started; screenshot: ${file}`);
    say(`the headless preview stays up at ${server.origin} until Ctrl-C`);
    openOnce();
  } else {
    // The page URL carries the bridge's one-time token: it goes to Chromium over Playwright's
    // debugging pipe, never on Chromium's command line, which every local user can read (issue 12, hole 10).
    const profile = path.join(dataDir, 'chromium-profile');
    window = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: false, viewport: null, args: [...ROOT_ARGS, ...QUIET_ARGS] });
    window.once('close', () => void stop());
    const page = window.pages()[0] ?? (await window.newPage());
    await page.goto(server.pageUrl);
    if (values.screenshot !== undefined) {
      await page.waitForSelector('[data-screen="chat"]', { timeout: 20_000 });
      await mkdir(path.dirname(path.resolve(values.screenshot)), { recursive: true });
      await page.screenshot({ path: path.resolve(values.screenshot) });
    }
    say(`browser preview opened in Chromium (${server.origin}); close the window or press Ctrl-C to stop`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`airlock: the preview failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
