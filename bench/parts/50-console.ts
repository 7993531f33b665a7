/**
 * Issue 16, must show 3: the admin console stays responsive with 1,000 enrolled devices, 200 of
 * them connected (an open event channel each) and a day of model calls in the audit log (the
 * overview's 24 h figures read them). A real gateway process; the pages in Debian's Chromium.
 * - page load: until the page shows its data (the devices count reading "1,000 of 1,000"; the
 *   overview with its connected count and both charts drawn): from the sidebar (a click on its
 *   link, timed from the click), reloaded in the same tab, opened in a new tab of the browser the
 *   console is already open in (every load after the first visit: scripts cached), the first
 *   visit (a new tab of a fresh browser profile holding only the session cookie: nothing cached, a
 *   renderer process started for it) and, for the overview, the one-time login link opened in a
 *   fresh profile (how an admin's first visit starts: no session yet). All but the first from
 *   navigation start to the first frame showing the data, performance.now() in the page, noted by
 *   a watcher installed before the page's scripts. The gateway
 *   draws a page with its data (server-side rendering), so for the reload and the new tab the
 *   bench also times "interactive": the first frame at which the data shows AND React has taken
 *   the page over (`<html data-interactive>`, set once the browser's React has hydrated it), and
 *   "data painted": the first contentful paint, when the frame with the data was presented (the
 *   frame starts the watcher notes come before that frame's style, layout, paint and raster);
 * - search: typing a query into the devices search box until the table shows the matches, timed
 *   inside the page (input event to the next frame after the count changed);
 * - beside them, as the same run's baselines: the devices page in a new tab drawn in the browser
 *   (the plain page, as before the gateway drew pages), a page with no script at all opened the same way in
 *   a new tab (the floor Chromium itself sets on this machine), the smallest page React takes over
 *   opened so (React's own cold start: bench/fixtures/minimal-react), the API answer alone (`GET /api/devices`,
 *   `GET /api/overview`) and the same page with 10 devices;
 * - `GET /api/testers` alone (300 testers' 7-day usage, kept up to date by the console) beside
 *   `tester list` over the admin socket, which sums the week's audit entries on every call.
 * Each figure is the wall-clock p95 (p50 beside it) of 20 rounds (60 searches; the slowest beside it), with the load average
 * during the run, and the page's main-thread CPU for the same step (Chromium's ThreadTime): on a
 * machine shared with other work the wall clock says as much about the load as about the console.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { BenchRow } from '../run.js';
import { percentile } from '../stats.js';
import { buildConsole, CONSOLE_DIST } from '../../gateway/console/assets.js';
import { CONTENT_SECURITY_POLICY } from '../../gateway/console/request-guard.js';
import { canonicalJson, entryHash, GENESIS_HASH } from '../../gateway/audit/chain.js';
import { initDataDir } from '../../gateway/init/init.js';
import { openSqliteStore } from '../../gateway/store/sqlite-store.js';
import { consoleLink, consoleRequest, openConsoleSession, type ConsoleSession } from '../../test/helpers/console.js';
import { startGateway, type TestGateway } from '../../test/helpers/gateway.js';
import { launchChromium } from '../../test/e2e/support/preview-harness.js';
import { createTestDevice, type TestDevice } from '../../test/helpers/pinned-client.js';
import { openStream, type OpenStream } from '../../test/integration/model/streaming-device.js';

const DEVICES = 1000;
const CONNECTED = 200;
const CALLS_24H = 20_000;
/**
 * Loads of each kind (three searches each). 20, because a p95 is taken by nearest rank
 * (bench/stats.ts): of 20 it is the 19th, of 10 it would be the slowest (as it was until 2026-12-04).
 */
const ROUNDS = 20;
const TARGET_MS = 300;

/** A day of model calls by DEVICES devices, written as a valid chain before the gateway starts. */
async function seedAuditLog(dataDir: string): Promise<void> {
  const path = join(dataDir, 'airlock.db');
  await openSqliteStore(path).close(); // schema via the store's own migrations
  const db = new Database(path);
  const insert = db.prepare('INSERT INTO audit (seq, time, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= CALLS_24H; seq++) {
      const time = new Date(now - 86_000_000 + Math.floor((seq / CALLS_24H) * 85_000_000)).toISOString();
      const refused = seq % 97 === 0;
      const details = canonicalJson({ deviceId: `dev_seed${String(seq % DEVICES).padStart(16, '0')}`, tester: `tester${seq % 300}@example.com`, model: 'airlock-demo', upstream: 'demo', stream: true, promptTokens: refused ? 0 : 120, completionTokens: refused ? 0 : 340, usageReported: true, durationMs: 900, outcome: refused ? 'error' : 'ok', ...(refused ? { code: 'rate_limited' } : {}) });
      const actor = `device:dev_seed${String(seq % DEVICES).padStart(16, '0')}`;
      const hash = entryHash(seq, time, 'model.call', actor, 'airlock-demo', details, prev);
      insert.run(seq, time, 'model.call', actor, 'airlock-demo', details, prev, hash);
      prev = hash;
    }
  })();
  db.close();
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

// The page scripts are strings, not functions: tsx compiles functions with a `__name` helper that
// does not exist in the page.

/** One measured action: wall-clock ms, and CPU ms of the page's main thread (what a quiet machine would wait). */
interface Timing {
  wallMs: number;
  cpuMs: number;
  /** A page load's time until React had taken over the page (the data visible and the page interactive). */
  interactiveMs?: number;
  /** A page load's steps, ms from navigation start, as the page's own clock saw them. */
  steps?: LoadSteps;
}

/**
 * Where a load's time went, from the page's Navigation, Resource and Paint Timing and the
 * console's own marks (console/src/main.tsx, render.tsx): the HTML and the scripts in from the
 * network (not yet taken by the page's main thread), the entry script run, the first frame
 * painted (first contentful paint: when its pixels were presented, which the "data visible" frame
 * start precedes by that frame's style, layout, paint and raster), React's chunk asked to run
 * (after the first frame) and running, React in charge. NaN when a step did not happen (a plain
 * page has no React start mark).
 */
interface LoadSteps {
  htmlIn: number;
  scriptsIn: number;
  entryRun: number;
  firstPaint: number;
  reactStart: number;
  reactRun: number;
}

/** CPU time of the renderer main thread so far (Chromium's ThreadTime metric), in ms. */
async function threadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
}

/** Waits, in the page, until `ready` holds (checked every frame); answers performance.now() then. */
const untilReady = (ready: string) => `new Promise((resolve) => {
  const tick = () => ((${ready}) || performance.now() > 30000 ? resolve(performance.now()) : requestAnimationFrame(tick));
  tick();
})`;

async function measured(page: Page, act: () => Promise<number | { wallMs: number; interactiveMs: number }>): Promise<Timing> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Performance.enable');
    const before = await threadMs(cdp);
    const took = await act();
    const after = await threadMs(cdp);
    // A navigation that moved to a new renderer process restarts the count: then `after` is all of it.
    const cpuMs = after >= before ? after - before : after;
    return typeof took === 'number' ? { wallMs: took, cpuMs } : { ...took, cpuMs };
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * Installed in every document of a measured tab before the page's own scripts: notes, in the page,
 * the first frame at which the data of the page being opened (by its path) shows, and the first at
 * which it shows with React in charge (`<html data-interactive>`). A load is timed by the page's own
 * clock to those frames, not to when Playwright gets round to asking after the load event (later
 * by a round trip and a script injection, and on a busy machine by much more).
 */
const readyWatch = (readyByPath: Record<string, string>) => `(() => {
  const ready = { ${Object.entries(readyByPath).map(([path, ready]) => `${JSON.stringify(path)}: () => (${ready})`).join(', ')} }[window.location.pathname];
  if (!ready) return;
  const tick = () => {
    if (window.__readyAt === undefined && ready()) window.__readyAt = performance.now();
    if (window.__readyAt !== undefined && document.documentElement.hasAttribute('data-interactive') && ready()) window.__interactiveAt = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** The in-page times the ready watch noted for this document (waits for them up to 30 s after navigation start), and its load's steps. */
function readyAt(page: Page): Promise<{ wallMs: number; interactiveMs: number; steps: LoadSteps }> {
  return page.evaluate<{ wallMs: number; interactiveMs: number; steps: LoadSteps }>(`new Promise((resolve) => {
    const mark = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? NaN;
    const steps = () => ({
      htmlIn: performance.getEntriesByType('navigation')[0]?.responseEnd ?? NaN,
      scriptsIn: ((ends) => (ends.length > 0 ? Math.max(...ends) : NaN))(performance.getEntriesByType('resource').filter((r) => /\\/assets\\/[^/]+\\.js$/.test(r.name)).map((r) => r.responseEnd)),
      entryRun: mark('airlock-entry'),
      firstPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      reactStart: mark('airlock-react-start'),
      reactRun: mark('airlock-react-run'),
    });
    // A paint's entry is reported once the frame was presented, after the frame's start: waited for (at most 2 s).
    const painted = () => new Promise((done) => {
      const observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName('first-contentful-paint').length > 0) done();
      });
      observer.observe({ type: 'paint', buffered: true });
      setTimeout(done, 2000);
    });
    const tick = () => (window.__interactiveAt !== undefined || performance.now() > 30000 ? painted().then(() => resolve({ wallMs: window.__readyAt ?? performance.now(), interactiveMs: window.__interactiveAt ?? performance.now(), steps: steps() })) : requestAnimationFrame(tick));
    tick();
  })`);
}

/** Every measured tab's size and language, so the pages are laid out alike. */
const TAB = { viewport: { width: 1280, height: 900 }, locale: 'en-US' } as const;

/** Navigates `page` to `url`, timed from navigation start to the frames the ready watch notes. */
function loadTime(page: Page, url: string): Promise<Timing> {
  return measured(page, async () => {
    await page.goto(url);
    return readyAt(page);
  });
}

/** A fresh browser profile (empty cache, nothing compiled) with the ready watch installed, closed after `work`. */
async function inFreshProfile<T>(browser: Browser, watch: string, work: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext(TAB);
  try {
    await context.addInitScript(watch);
    return await work(context);
  } finally {
    await context.close();
  }
}

/** Following a sidebar link (the document stays): from the click to `ready`. */
function inAppTime(page: Page, path: string, ready: string): Promise<Timing> {
  return measured(page, () =>
    page.evaluate<number>(`(() => {
      const started = performance.now();
      document.querySelector('nav a[href=${JSON.stringify(JSON.stringify(path)).slice(1, -1)}]').click();
      return ${untilReady(ready)}.then((at) => at - started);
    })()`),
  );
}

/**
 * Opening the console in a new tab of a fresh browser profile (empty cache, nothing compiled),
 * holding only the session cookie. `drawnInBrowser`: the page as it loaded before the gateway drew
 * pages (the plain index.html, the browser asks for session and data and React draws it), the same
 * run's baseline; the plain page is answered by the test at once, without a trip to the gateway,
 * so if anything the baseline is favoured.
 */
async function newTabTime(browser: Browser, session: ConsoleSession, url: string, watch: string, drawnInBrowser = false): Promise<Timing> {
  return inFreshProfile(browser, watch, async (context) => {
    const [name = '', value = ''] = session.cookie.split('=');
    await context.addCookies([{ name, value, url: session.base, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    if (drawnInBrowser) {
      const plain = await readFile(join(CONSOLE_DIST, 'index.html'), 'utf8');
      const path = new URL(url).pathname;
      await page.route((u) => u.pathname === path, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': CONTENT_SECURITY_POLICY }, body: plain }));
    }
    return loadTime(page, url);
  });
}

/**
 * Opening the console in a new tab of the browser the admin already has it open in (the measuring
 * tab's own profile): the scripts are in its cache (served as immutable), and Chromium may have a
 * renderer process started ahead. What every page load after the first visit is, where the
 * fresh-profile new tab above is the first visit ever.
 */
async function sameBrowserNewTabTime(context: BrowserContext, url: string, watch: string): Promise<Timing> {
  const page = await context.newPage();
  try {
    await page.addInitScript(watch);
    return await loadTime(page, url);
  } finally {
    await page.close();
  }
}

/**
 * An admin's real first visit: the one-time link `airlock-gateway console` prints, opened in a new
 * tab of a fresh browser profile (no session yet, nothing cached). The page is drawn in the
 * browser: its entry trades the link for a session, then asks for the overview's data and React
 * draws it. Timed like the other new tabs, to the overview with its data and React in charge.
 */
async function loginLinkTime(browser: Browser, gw: TestGateway, watch: string): Promise<Timing> {
  const { link } = await consoleLink(gw);
  return inFreshProfile(browser, watch, async (context) => loadTime(await context.newPage(), link));
}

/** The floors' times, ms: the page with no script's data visible and painted, React alone's interactive (timed as the console's are). */
interface FloorTimes {
  noScript: { wallMs: number; paintedMs: number }[];
  reactAlone: number[];
}

/**
 * Builds bench/fixtures/minimal-react (one component React takes over) with the console's React
 * and Vite into `outDir`.
 */
async function buildReactAlone(outDir: string): Promise<void> {
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  await build({
    root: fileURLToPath(new URL('../fixtures/minimal-react/', import.meta.url)),
    configFile: false,
    base: '/',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, modulePreload: { polyfill: false }, sourcemap: false, target: 'chrome120' },
  });
}

/**
 * The floors under a new tab on this machine, each opened the same way as the console's new tabs
 * (fresh profile, the same ready watch), served from loopback, already showing the devices count,
 * the two taking turns:
 * - a page with no script at all: Chromium's own new tab;
 * - the same page taken over by React (bench/fixtures/minimal-react): React's own cold start.
 * What a new tab of the console costs above the first is the console's own (its scripts, session,
 * data); above the second, what the console adds to React (its page, its data, its code).
 */
async function floorNewTabTimes(browser: Browser, devices: number, reactAloneDir: string): Promise<FloorTimes> {
  const count = `${devices.toLocaleString('en-US')} of ${devices.toLocaleString('en-US')}`;
  // `data-interactive` from the start: it has nothing to take over, its "interactive" is its first frame.
  const noScript = `<!doctype html><html lang="en" data-interactive><head><meta charset="utf-8"><title>static</title></head><body><p data-testid="device-count">${count}</p></body></html>`;
  const reactAlone = (await readFile(join(reactAloneDir, 'index.html'), 'utf8')).replace('DEVICE_COUNT', count);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (/^\/assets\/[\w.-]+\.js$/.test(url.pathname)) {
      readFile(join(reactAloneDir, url.pathname)).then(
        (body) => res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=31536000, immutable' }).end(body),
        () => res.writeHead(404).end(),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(url.searchParams.has('react') ? reactAlone : noScript);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const watch = readyWatch({ '/devices': devicesReady(devices) });
    const times: FloorTimes = { noScript: [], reactAlone: [] };
    const open = (query: string) =>
      inFreshProfile(browser, watch, async (context) => {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${port}/devices?${query}`);
        return readyAt(page);
      });
    for (let round = 0; round < ROUNDS; round++) {
      const plain = await open(`round=${round}`);
      times.noScript.push({ wallMs: plain.wallMs, paintedMs: plain.steps.firstPaint });
      const react = await open(`round=${round}&react`);
      times.reactAlone.push(react.interactiveMs);
    }
    return times;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** From the input event to the frame after the devices count shows the filtered total. */
function searchTime(page: Page, query: string): Promise<Timing> {
  return measured(page, () =>
    page.evaluate<number>(`new Promise((resolve) => {
      const input = document.querySelector('input[type=search]');
      const count = document.querySelector('[data-testid=device-count]');
      const before = count.textContent;
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const started = performance.now();
      setValue.call(input, ${JSON.stringify(query)});
      input.dispatchEvent(new Event('input', { bubbles: true }));
      // A count that never changes is reported as 10 s, not waited for forever.
      const tick = () => (count.textContent !== before || performance.now() - started > 10000 ? requestAnimationFrame(() => resolve(performance.now() - started)) : requestAnimationFrame(tick));
      tick();
    })`),
  );
}

const devicesReady = (n: number) => `document.querySelector('[data-testid=device-count]')?.textContent === '${n.toLocaleString('en-US')} of ${n.toLocaleString('en-US')}'`;
const OVERVIEW_READY = "document.querySelector('[data-testid=connected-devices]') !== null && document.querySelectorAll('.chart rect').length === 48";

const KINDS = ['devices in-app', 'devices reload', 'devices new tab', 'devices new tab, drawn in the browser', 'devices new tab, same browser', 'search', 'overview in-app', 'overview reload', 'overview new tab', 'overview new tab, same browser', 'overview login link'] as const;
type Kind = (typeof KINDS)[number];
type PageTimes = Record<Kind, Timing[]> & { load: string };

/** The figures that are known (a step that did not happen, a paint before the data: NaN or undefined, left out). */
const known = (v: readonly (number | undefined)[]): number[] => v.filter((x): x is number => x !== undefined && Number.isFinite(x));

/** Each step's p50 over the loads that had it, in the order a load takes them. */
function stepsText(loads: Timing[]): string {
  const p50Of = (pick: (t: Timing) => number | undefined) => {
    const v = known(loads.map(pick));
    return v.length > 0 ? percentile(v, 50).toFixed(0) : '-';
  };
  return (
    `steps p50, ms from navigation start: HTML in ${p50Of((t) => t.steps?.htmlIn)} and scripts in ${p50Of((t) => t.steps?.scriptsIn)} from the network, ` +
    `the data in a frame ${p50Of((t) => t.wallMs)} (the bench's "data visible"), the entry script run ${p50Of((t) => t.steps?.entryRun)}, ` +
    `that frame painted ${p50Of((t) => t.steps?.firstPaint)} (first contentful paint), React asked to start ${p50Of((t) => t.steps?.reactStart)}, ` +
    `its chunk running ${p50Of((t) => t.steps?.reactRun)}, React in charge ${p50Of((t) => t.interactiveMs)}`
  );
}

const loadAverage = () => loadavg().map((v) => v.toFixed(1)).join(' ');
const list = (v: Timing[]) => v.map((x) => `${x.wallMs.toFixed(0)}${x.interactiveMs === undefined ? '' : `/${x.interactiveMs.toFixed(0)}`}`).join(', ');

async function measurePages(gw: TestGateway, browser: Browser, devices: number, log: (line: string) => void): Promise<PageTimes> {
  const watch = readyWatch({ '/devices': devicesReady(devices), '/': OVERVIEW_READY });
  // A context of its own (not browser.newPage's), so the same-browser new tabs can open in it.
  const context = await browser.newContext(TAB);
  const page = await context.newPage();
  try {
    await page.addInitScript(watch);
    const { link, base } = await consoleLink(gw);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const session = await openConsoleSession(gw);
    const times = { ...(Object.fromEntries(KINDS.map((k) => [k, []])) as unknown as Record<Kind, Timing[]>), load: '' };
    const loadBefore = loadAverage();
    for (let round = 0; round < ROUNDS; round++) {
      times['devices new tab'].push(await newTabTime(browser, session, `${base}/devices`, watch));
      times['devices new tab, drawn in the browser'].push(await newTabTime(browser, session, `${base}/devices`, watch, true));
      times['devices new tab, same browser'].push(await sameBrowserNewTabTime(context, `${base}/devices`, watch));
      // A full load in the same tab: a reload, its scripts in the browser's cache.
      times['devices reload'].push(await loadTime(page, `${base}/devices?load=${round}`));
      // Distinct queries, each narrowing from the full list: a tester, a device id prefix, a status.
      // Each narrows the full list (the timing waits for the count to change).
      for (const q of [`tester${(round * 37) % 300}@`, `dev_${'abcdefg'[round % 7]}`, 'revoked']) {
        times.search.push(await searchTime(page, q));
        await searchTime(page, ''); // back to the full list, not timed
      }
      times['overview in-app'].push(await inAppTime(page, '/', OVERVIEW_READY));
      times['devices in-app'].push(await inAppTime(page, '/devices', devicesReady(devices)));
      times['overview new tab'].push(await newTabTime(browser, session, `${base}/`, watch));
      times['overview new tab, same browser'].push(await sameBrowserNewTabTime(context, `${base}/`, watch));
      times['overview reload'].push(await loadTime(page, `${base}/?load=${round}`));
      times['overview login link'].push(await loginLinkTime(browser, gw, watch));
    }
    times.load = `load average ${loadBefore} before, ${loadAverage()} after`;
    log(`${devices} devices (${times.load}), wall ms: ${KINDS.map((k) => `${k} ${list(times[k])}`).join('; ')}`);
    for (const kind of ['devices new tab', 'overview new tab', 'devices new tab, same browser', 'overview login link', 'devices reload'] as const) log(`${devices} devices, ${kind}: ${stepsText(times[kind])}`);
    return times;
  } finally {
    await context.close();
  }
}

async function apiTimes(gw: TestGateway, path: string): Promise<number[]> {
  const session = await openConsoleSession(gw);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const res = await consoleRequest(session.base, 'GET', path, { cookie: session.cookie });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
    times.push(performance.now() - started);
  }
  return times;
}

export default async function consoleBench(log: (line: string) => void): Promise<BenchRow[]> {
  await buildConsole();
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-console-'));
  const dataDir = join(dir, 'data');
  await initDataDir(dataDir);
  await seedAuditLog(dataDir);
  const policy = { limits: { requestsPerMinute: 100_000, tokensPerDay: 100_000_000, streamsPerDevice: 4, eventChannelsPerDevice: 4 } };
  // One at a time, each stopped in `finally` once started: a start that fails leaves nothing running.
  let gw: TestGateway | undefined;
  let small: TestGateway | undefined;
  let browser: Browser | undefined;
  const channels: OpenStream[] = [];
  try {
    gw = await startGateway({ dataDir, args: ['--console-listen', '127.0.0.1:0'], policy, startTimeoutMs: 90_000 });
    small = await startGateway({ args: ['--console-listen', '127.0.0.1:0'], startTimeoutMs: 90_000 });
    browser = await launchChromium();
    const [big, tiny] = [gw, small];
    const started = performance.now();
    // Every open event channel holds one connection of the client's pool: room for all of them.
    const client = big.client({ connections: CONNECTED + 32 });
    const enrolled: TestDevice[] = [];
    await inBatches(
      Array.from({ length: DEVICES }, (_, i) => i),
      16,
      async (i) => {
        const device = await createTestDevice(client);
        await device.enroll(await big.invite(`tester${i % 300}@example.com`));
        enrolled.push(device);
        if (enrolled.length % 250 === 0 && enrolled.length < DEVICES) log(`${enrolled.length} of ${DEVICES} devices enrolled`);
      },
    );
    log(`${DEVICES} devices enrolled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // A few revoked, so a status search has something to find.
    for (const device of enrolled.slice(DEVICES - 25)) await big.admin({ op: 'device.revoke', id: device.deviceId! });
    await inBatches(enrolled.slice(0, CONNECTED), 16, async (device) => {
      await device.session();
      await device.fetch('GET', '/v1/models');
      const channel = await openStream(device, 'GET', '/v1/events');
      if (channel.status !== 200) throw new Error(`events channel: ${channel.status}`);
      await channel.next();
      channels.push(channel);
    });
    log(`${CONNECTED} devices connected (an event channel each)`);

    await tiny.enrolledDevice('only@example.com');
    for (let i = 0; i < 9; i++) await tiny.enrolledDevice(`small${i}@example.com`);

    const large = await measurePages(big, browser, DEVICES, log);
    const few = await measurePages(tiny, browser, 10, log);
    const apiDevices = await apiTimes(big, '/api/devices');
    const apiOverview = await apiTimes(big, '/api/overview');
    await buildReactAlone(join(dir, 'react-alone'));
    const floors = await floorNewTabTimes(browser, DEVICES, join(dir, 'react-alone'));
    // The testers page's 7-day usage per tester, kept up to date by the console, beside the same
    // figures summed from a week of audit entries as `tester list` does on every call.
    const apiTesters = await apiTimes(big, '/api/testers');
    const testerList: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      await big.admin({ op: 'tester.list' });
      testerList.push(performance.now() - started);
    }
    const p50 = (v: number[]) => percentile(v, 50);
    const p95 = (v: number[]) => percentile(v, 95);
    const visible = (v: Timing[]) => v.map((t) => t.wallMs);
    const interactive = (v: Timing[]) => v.map((t) => t.interactiveMs ?? Number.NaN);
    const cpu = (v: Timing[]) => v.map((t) => t.cpuMs);
    // The data frame's pixels: a frame's start ("data visible") precedes its style, layout, paint and raster.
    // NaN when the first paint came before the data (then it was not the data's).
    const painted = (v: Timing[]) => v.map((t) => (t.steps && t.steps.firstPaint >= t.wallMs ? t.steps.firstPaint : Number.NaN));
    // Judged on the wall-clock p95; beside it the page's main-thread CPU (p50), which is about what
    // the same step waits on a quiet machine, and the same step with 10 devices. A load's CPU is
    // the whole load's, up to interactive.
    // Loads whose figure is not known (a data frame painted after the first paint) are left out, and counted.
    const row = (kind: Kind, what: string, extra = '', wall = visible): BenchRow => {
      const all = wall(large[kind]);
      const v = known(all);
      const unknown = all.length - v.length;
      return {
        group: 'console',
        name: `${what} (p50 ${p50(v).toFixed(0)}, p95 of ${v.length}${unknown > 0 ? ` (${unknown} loads painted before their data, left out)` : ''}, slowest ${Math.max(...v).toFixed(0)}; main-thread CPU p50 ${p50(cpu(large[kind])).toFixed(0)} ms)`,
        value: Math.round(p95(v)),
        unit: 'ms',
        baseline: `10 devices p95 ${p95(known(wall(few[kind]))).toFixed(0)} ms, CPU p50 ${p50(cpu(few[kind])).toFixed(0)} ms${extra}; ${large.load}`,
        target: `< ${TARGET_MS} ms`,
        meets: v.length > 0 && p95(v) < TARGET_MS,
      };
    };
    const apiDevicesText = `; GET /api/devices alone p50 ${p50(apiDevices).toFixed(0)} ms`;
    const apiOverviewText = `; GET /api/overview alone p50 ${p50(apiOverview).toFixed(0)} ms`;
    const drawnInBrowser = large['devices new tab, drawn in the browser'];
    const spread = (v: number[]) => `p50 ${p50(v).toFixed(0)}, p95 ${p95(v).toFixed(0)} ms`;
    const browserDrawn = (wall: (v: Timing[]) => number[]) => `; the same page drawn in the browser (the plain page, as before the gateway drew pages) ${spread(wall(drawnInBrowser))}`;
    const reactAloneText = `; the smallest page React takes over (React's own cold start) interactive in a new tab ${spread(floors.reactAlone)}`;
    const floorText = `; a page with no script in a new tab (Chromium's own floor here) ${spread(floors.noScript.map((t) => t.wallMs))}`;
    const floorPaintedText = `; a page with no script in a new tab painted (first contentful paint) ${spread(floors.noScript.map((t) => t.paintedMs))}`;
    return [
      row('devices in-app', `devices page from the sidebar, ${DEVICES} devices, ${CONNECTED} connected`, apiDevicesText),
      row('devices reload', 'devices page reloaded (cached scripts), data visible', apiDevicesText),
      row('devices reload', 'devices page reloaded, data painted (first contentful paint: the data frame presented)', '', painted),
      row('devices reload', 'devices page reloaded, interactive (React has taken it over)', '', interactive),
      row('devices new tab, same browser', 'devices page in a new tab of the browser the console is open in (scripts cached), data visible', apiDevicesText),
      row('devices new tab, same browser', 'devices page in a new tab of the same browser, interactive (React has taken it over)', '', interactive),
      row('devices new tab', 'devices page, first visit: a new tab of a fresh browser profile (nothing cached), data visible', `${apiDevicesText}${floorText}${browserDrawn(visible)}`),
      row('devices new tab', 'devices page, first visit, data painted (first contentful paint: the data frame presented)', floorPaintedText, painted),
      row('devices new tab', 'devices page, first visit, interactive (React has taken it over)', `${browserDrawn(interactive)}${reactAloneText}; ${stepsText(large['devices new tab'])}`, interactive),
      row('search', 'devices search'),
      row('overview in-app', `overview from the sidebar, ${CALLS_24H.toLocaleString('en-US')} calls in 24 h`, apiOverviewText),
      row('overview reload', 'overview reloaded (cached scripts), data visible', apiOverviewText),
      row('overview reload', 'overview reloaded, data painted (first contentful paint: the data frame presented)', '', painted),
      row('overview reload', 'overview reloaded, interactive (React has taken it over)', '', interactive),
      row('overview new tab, same browser', 'overview in a new tab of the browser the console is open in (scripts cached), data visible', apiOverviewText),
      row('overview new tab, same browser', 'overview in a new tab of the same browser, interactive (React has taken it over)', '', interactive),
      row('overview new tab', 'overview, first visit: a new tab of a fresh browser profile (nothing cached), data visible', `${apiOverviewText}${floorText}`),
      row('overview new tab', 'overview, first visit, data painted (first contentful paint: the data frame presented)', floorPaintedText, painted),
      row('overview new tab', 'overview, first visit, interactive (React has taken it over)', `${reactAloneText}; ${stepsText(large['overview new tab'])}`, interactive),
      row('overview login link', "overview from the one-time login link, an admin's real first visit (a fresh profile, no session yet: the page drawn in the browser), interactive", '', interactive),
      {
        group: 'console',
        name: `GET /api/testers alone, 300 testers' 7-day usage (p50 ${p50(apiTesters).toFixed(0)}, p95 of ${apiTesters.length})`,
        value: Math.round(p95(apiTesters)),
        unit: 'ms',
        baseline: `tester list over the admin socket (the week summed per call) p50 ${p50(testerList).toFixed(0)}, p95 ${p95(testerList).toFixed(0)} ms`,
      },
    ];
  } finally {
    for (const channel of channels) channel.abort();
    await browser?.close();
    await Promise.all([gw?.stop(), small?.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
