/**
 * The gateway's first drawing of a console page (gateway/console/first-paint.ts running the built
 * console/src/first-paint.tsx): a page with its data and the block React takes it over from; text
 * from the data cannot break out of either; and every case it cannot draw falls back to the
 * plain page (the browser draws it) or to "no such page".
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleDeviceRow } from '../../../protocol/schemas/console.js';
import { buildConsole, CONSOLE_DIST } from '../../../gateway/console/assets.js';
import { createFirstPaint, type FirstPaint, type ReadApi } from '../../../gateway/console/first-paint.js';
import type { Logger } from '../../../gateway/log.js';

const warnings: string[] = [];
const log: Logger = { info: () => undefined, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
const session = { osUser: 'alice', csrf: 'csrf-token-of-this-session' };
const HOSTILE = '</script><script>alert(1)</script><!--';

const device = (id: string, tester: string): ConsoleDeviceRow => ({ id, tester, status: 'active', platform: 'linux', enrolledAt: '2026-12-03T10:00:00.000Z', lastSeenAt: null, channels: 1, streams: 0, locked: false });
const devices = [device('dev_aaaaaaaaaaaaaaaaaaaaaa', 'ada@example.com'), device('dev_bbbbbbbbbbbbbbbbbbbbbb', `${HOSTILE}@example.com`)];

/** The console API as the page would read it, noting what was asked. */
function api(answers: Record<string, { status: number; body: unknown }>) {
  const asked: string[] = [];
  const read: ReadApi = async (path) => {
    asked.push(path);
    const answer = answers[path] ?? { status: 404, body: { error: { code: 'not_found', message: 'no' } } };
    return { status: answer.status, body: JSON.stringify(answer.body) };
  };
  return { read, asked };
}

/** A page whole, as the console listener sends it (head, then the rest): `plain` also when its data could not be drawn. */
async function draw(paint: FirstPaint, pathAndQuery: string, as: typeof session | null, readApi: ReadApi) {
  const started = await paint.start(pathAndQuery, as);
  if (started.kind !== 'page') return started;
  const rest = await started.rest(readApi);
  return rest.drawn ? { kind: 'page' as const, html: started.head + rest.html, styleHashes: started.styleHashes } : { kind: 'plain' as const };
}

const bootOf = (html: string) => JSON.parse(/<script type="application\/json" id="airlock-first-paint">(.*?)<\/script>/s.exec(html)![1]!) as { path: string; session: typeof session; data: { path: string; value: ConsoleDeviceRow[] } };

describe('the console page drawn by the gateway', { timeout: 120_000 }, () => {
  let empty: string;
  beforeAll(async () => {
    await buildConsole();
    empty = await mkdtemp(join(tmpdir(), 'airlock-console-unbuilt-'));
  }, 120_000);
  afterAll(() => rm(empty, { recursive: true, force: true }));

  it('draws the devices page with its rows, its count and the data and session React takes over from', async () => {
    const { read, asked } = api({ '/api/devices': { status: 200, body: devices } });
    const drawn = await draw(createFirstPaint(CONSOLE_DIST, log), '/devices', session, read);
    expect(drawn.kind).toBe('page');
    const html = drawn.kind === 'page' ? drawn.html : '';
    expect(asked).toEqual(['/api/devices']);
    expect(html).toContain('data-testid="device-count">2 of 2<');
    expect(html).toContain('href="/devices/dev_aaaaaaaaaaaaaaaaaaaaaa"');
    expect(html).toContain('Dec 3, 2026, 10:00 UTC');
    expect(html).toContain('Signed in as <strong>alice</strong>');
    expect(html).not.toContain('Opening the console');
    // The app's scripts are still the built ones (no inline script); its stylesheet comes inline,
    // allowed by its hash in this answer's CSP (no request to wait for before the first frame).
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]{8}\.js"><\/script>/);
    expect(html).not.toMatch(/<link rel="stylesheet"/);
    const css = /<style>(.*?)<\/style>/s.exec(html)?.[1] ?? '';
    expect(css).toContain('.pager');
    expect(drawn.kind === 'page' && drawn.styleHashes).toEqual([`sha256-${createHash('sha256').update(css).digest('base64')}`]);
    expect(bootOf(html)).toEqual({ path: '/devices', session, data: { path: '/api/devices', value: devices } });
    expect(warnings).toEqual([]);
  });

  it('has the head ready before the data is read, and the rest drawn from it: head and rest are the whole page', async () => {
    const paint = createFirstPaint(CONSOLE_DIST, log);
    const { read, asked } = api({ '/api/devices': { status: 200, body: devices } });
    const started = await paint.start('/devices', session);
    if (started.kind !== 'page') throw new Error(`not started as a page: ${started.kind}`);
    // Sent before the read: the whole head (scripts, inline stylesheet) and nothing of the data.
    expect(asked).toEqual([]);
    expect(started.head).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]{8}\.js"><\/script>/);
    expect(started.head).toContain('<style>');
    expect(started.head).toMatch(/<\/head>\s*<body>$/);
    expect(started.head).not.toContain('ada@example.com');
    const rest = await started.rest(read);
    expect(asked).toEqual(['/api/devices']);
    expect(rest.drawn).toBe(true);
    const whole = await draw(paint, '/devices', session, read);
    expect(whole.kind === 'page' && whole.html).toBe(started.head + rest.html);
  });

  it('preloads React\'s chunk in the head a drawn page sends before its data is read, as the plain page does', async () => {
    const { read } = api({ '/api/devices': { status: 200, body: devices } });
    const started = await createFirstPaint(CONSOLE_DIST, log).start('/devices', session);
    if (started.kind !== 'page') throw new Error(`not started as a page: ${started.kind}`);
    const preload = /<link rel="modulepreload" crossorigin href="\/assets\/render-[\w-]{8}\.js">/;
    expect(started.head).toMatch(preload);
    expect((await started.rest(read)).html).not.toContain('modulepreload');
    expect(await readFile(join(CONSOLE_DIST, 'index.html'), 'utf8')).toMatch(preload);
  });

  it('ends a page whose read is refused after its head went out with the plain page\'s body (the browser asks and says why)', async () => {
    const refused = api({});
    const started = await createFirstPaint(CONSOLE_DIST, log).start('/devices/dev_cccccccccccccccccccccc', session);
    if (started.kind !== 'page') throw new Error(`not started as a page: ${started.kind}`);
    const rest = await started.rest(refused.read);
    expect(rest.drawn).toBe(false);
    expect(rest.html).toContain('<div id="root"><main class="gate">Opening the console…</main></div>');
    expect(rest.html).not.toContain('airlock-first-paint');
    const failing: ReadApi = () => Promise.reject(new Error('the API is gone'));
    expect(await started.rest(failing)).toEqual(rest);
  });

  it('writes text from the data as text: nothing in it ends the data block or opens markup', async () => {
    const { read } = api({ '/api/devices': { status: 200, body: devices } });
    const drawn = await draw(createFirstPaint(CONSOLE_DIST, log), '/devices', session, read);
    const html = drawn.kind === 'page' ? drawn.html : '';
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('</script><script>');
    // Exactly the page's own scripts: the module entry and the data block.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--@example.com');
    expect(bootOf(html).data.value[1]!.tester).toBe(`${HOSTILE}@example.com`);
  });

  it('leaves the drawing to the browser when there is no session, the API refuses, or nothing is built', async () => {
    const ok = api({ '/api/devices': { status: 200, body: devices } });
    expect(await draw(createFirstPaint(CONSOLE_DIST, log), '/devices', null, ok.read)).toEqual({ kind: 'plain' });
    expect(ok.asked).toEqual([]);
    const refused = api({});
    expect(await draw(createFirstPaint(CONSOLE_DIST, log), '/devices/dev_cccccccccccccccccccccc', session, refused.read)).toEqual({ kind: 'plain' });
    expect(refused.asked).toEqual(['/api/devices/dev_cccccccccccccccccccccc']);
    expect(await draw(createFirstPaint(empty, log), '/devices', session, ok.read)).toEqual({ kind: 'plain' });
  });

  it('knows which paths are pages: a page without a read of its own is drawn without data', async () => {
    const paint = createFirstPaint(CONSOLE_DIST, log);
    const none = api({});
    for (const path of ['/nope', '/devices/a/b', '/testers/x', '/devices/%E0%A4%A', '/index.html', '/assets', '/.ssr/first-paint.js']) expect(await draw(paint, path, session, none.read)).toEqual({ kind: 'notAPage' });
    const audit = await draw(paint, '/audit?text=ada', session, none.read);
    expect(audit.kind).toBe('page');
    expect(none.asked).toEqual([]);
    expect(bootOf(audit.kind === 'page' ? audit.html : '')).toMatchObject({ path: '/audit?text=ada', data: null });
  });
});
