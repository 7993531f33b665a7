/**
 * Issue 16, must show 2: what the admin console refuses, each against a real gateway process
 * (`serve --console-listen 127.0.0.1:0`) except the expired link, which needs a clock the test
 * moves (the console in-process, on a real SQLite store and the real admin operations).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminOperations } from '../../../gateway/admin/operations.js';
import { startConsole, type RunningConsole } from '../../../gateway/console/console.js';
import { createConnectionHub } from '../../../gateway/live/connection-hub.js';
import { createLogger } from '../../../gateway/log.js';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import type { Store } from '../../../gateway/store/store.js';
import { consoleLink, consoleRequest, openConsoleSession, type ConsoleSession } from '../../helpers/console.js';
import { freePort } from '../../helpers/free-port.js';
import { GATEWAY_BIN, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { initDataDir } from '../../../gateway/init/init.js';

describe('the admin console refuses', () => {
  let gw: TestGateway;
  let session: ConsoleSession;
  let deviceId: string;
  beforeAll(async () => {
    gw = await startGateway({ args: ['--console-listen', '127.0.0.1:0'] });
    session = await openConsoleSession(gw);
    deviceId = (await gw.enrolledDevice('refusals@example.com')).deviceId!;
  });
  afterAll(() => gw?.stop());

  const status = async () => (await gw.admin<{ status: string }>({ op: 'device.show', id: deviceId })).status;

  it('a login link used a second time, and an API call without the session it opens', async () => {
    const { base, secret } = await consoleLink(gw);
    const first = await consoleRequest(base, 'POST', '/api/login', { body: { secret } });
    expect(first.status).toBe(200);
    expect(String(first.headers['set-cookie'])).toMatch(/^airlock_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    // The session it opened is in the audit log, under the OS user who asked for the link.
    const tail = await gw.admin<{ type: string; actor: string }[]>({ op: 'audit.tail', n: 5 });
    expect(tail.at(-1)).toMatchObject({ type: 'admin.console.login', actor: `admin:${userInfo().username} via console` });
    const again = await consoleRequest(base, 'POST', '/api/login', { body: { secret } });
    expect([again.status, again.errorCode]).toEqual([401, 'login_invalid']);
    expect(again.json<{ error: { message: string } }>().error.message).toMatch(/already used or has expired.*airlock-gateway console/);
    const noSession = await consoleRequest(base, 'GET', '/api/overview');
    expect([noSession.status, noSession.errorCode]).toEqual([401, 'session_ended']);
    const madeUp = await consoleRequest(base, 'GET', '/api/overview', { cookie: 'airlock_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect([madeUp.status, madeUp.errorCode]).toEqual([401, 'session_ended']);
  });

  it('a request that names another Host (DNS rebinding), page and API alike', async () => {
    const port = new URL(session.base).port;
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${Number(port) + 1}`, 'evil.example']) {
      for (const path of ['/', '/api/overview']) {
        const res = await consoleRequest(session.base, 'GET', path, { cookie: session.cookie, host });
        expect([host, path, res.status, res.errorCode]).toEqual([host, path, 403, 'wrong_host']);
      }
    }
    // The names a browser uses through `ssh -L PORT:127.0.0.1:PORT` are the console's own.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await consoleRequest(session.base, 'GET', '/api/overview', { cookie: session.cookie, host })).status).toBe(200);
  });

  it('a change from another Origin, or with none, even with the cookie and CSRF token', async () => {
    const port = new URL(session.base).port;
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, `https://127.0.0.1:${port}`, `http://127.0.0.1:${Number(port) + 1}`, 'null', null]) {
      const res = await consoleRequest(session.base, 'POST', `/api/devices/${deviceId}/revoke`, { cookie: session.cookie, csrf: session.csrf, origin, body: {} });
      expect([origin, res.status, res.errorCode]).toEqual([origin, 403, 'wrong_host']);
    }
    expect(await status()).toBe('active');
  });

  it('a change without the CSRF token, or with another session\'s', async () => {
    const other = await openConsoleSession(gw);
    for (const csrf of [undefined, other.csrf, `${session.csrf.slice(0, -1)}${session.csrf.endsWith('A') ? 'B' : 'A'}`]) {
      const res = await consoleRequest(session.base, 'POST', `/api/devices/${deviceId}/revoke`, { cookie: session.cookie, ...(csrf ? { csrf } : {}), body: {} });
      expect([res.status, res.errorCode]).toEqual([403, 'csrf_missing']);
    }
    expect(await status()).toBe('active');
    // The locks page's changes too: nothing is locked or removed without the token.
    for (const path of ['/api/testers/refusals@example.com/lock', `/api/devices/${deviceId}/lock`, '/api/locks/lck_AAAAAAAAAAAAAAAA/remove']) {
      const res = await consoleRequest(session.base, 'POST', path, { cookie: session.cookie, body: {} });
      expect([path, res.status, res.errorCode]).toEqual([path, 403, 'csrf_missing']);
    }
    expect(await gw.admin<unknown[]>({ op: 'lock.list' })).toEqual([]);
    // The same request with the token goes through: the refusals above were the token's doing.
    const ok = await consoleRequest(session.base, 'POST', `/api/devices/${deviceId}/revoke`, { cookie: session.cookie, csrf: session.csrf, body: { reason: 'csrf test' } });
    expect(ok.status, ok.text).toBe(200);
    expect(await status()).toBe('revoked');
  });

  it('the console API on the testers\' port', async () => {
    const client = gw.client();
    for (const [method, path] of [['GET', '/'], ['GET', '/api/session'], ['GET', '/api/overview'], ['GET', '/api/devices'], ['GET', '/api/events'], ['POST', '/api/login'], ['POST', `/api/devices/${deviceId}/revoke`]] as const) {
      const res = await client.raw(method, path, { headers: { cookie: session.cookie, 'x-airlock-csrf': session.csrf }, ...(method === 'POST' ? { body: {} } : {}) });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    // And the testers' API is not on the console's port.
    expect((await consoleRequest(session.base, 'GET', '/v1/models', { cookie: session.cookie })).status).toBe(404);
  });

  it('`airlock-gateway console` when the gateway runs without a console says how to start one', async () => {
    const plain = await startGateway();
    try {
      const res = await plain.cli(['console']);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/--console-listen 127\.0\.0\.1:PORT/);
    } finally {
      await plain.stop();
    }
  });
});

/** Runs `serve` expecting it to refuse; a gateway that starts anyway is stopped after 20 s, not left running. */
function serveMustStop(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEWAY_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

describe('the console listener', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'airlock-console-listen-')), 'data');
    await initDataDir(dataDir);
  });
  afterAll(() => rm(join(dataDir, '..'), { recursive: true, force: true }));

  it('refuses a non-loopback address without --console-allow-remote, and the testers\' port', async () => {
    for (const address of ['0.0.0.0:0', '192.0.2.10:8444', '[::]:0']) {
      const res = await serveMustStop(['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--console-listen', address]);
      expect([address, res.code]).toEqual([address, 2]);
      expect(res.stderr).toMatch(/not a loopback address.*ssh -L PORT:127\.0\.0\.1:PORT.*--console-allow-remote/s);
    }
    const port = await freePort();
    const same = await serveMustStop(['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--console-listen', `127.0.0.1:${port}`]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/is the testers' port/);
  });

  it('serves HTTPS with a __Host- cookie when a remote address is allowed explicitly', async () => {
    const gw = await startGateway({ dataDir, args: ['--console-listen', '0.0.0.0:0', '--console-allow-remote'] });
    try {
      const { base, secret } = await consoleLink(gw);
      expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const body = JSON.stringify({ secret });
        const req = httpsRequest(`${base}/api/login`, { method: 'POST', ca: gw.caPem, headers: { origin: base, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']) }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/^__Host-airlock_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await gw.stop({ keepData: true });
    }
  });
});

describe('an expired login link (the console in-process, with a clock the test moves)', () => {
  let dir: string;
  let store: Store;
  let adminConsole: RunningConsole;
  let nowMs = Date.parse('2030-01-01T00:00:00Z');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-console-clock-'));
    store = openSqliteStore(join(dir, 'store.db'), { now: () => new Date(nowMs) });
    const clock = { nowMs: () => nowMs, nowSeconds: () => Math.floor(nowMs / 1000) };
    const run = createAdminOperations({ store, clock, origin: () => 'https://127.0.0.1:1', pin: 'sha256/x', loadPolicy: () => Promise.reject(new Error('no policy here')) });
    adminConsole = await startConsole({
      listen: { host: '127.0.0.1', port: 0, allowRemote: false },
      testers: { host: '127.0.0.1', port: 1 },
      tls: { cert: '', key: '' },
      store,
      hub: createConnectionHub(),
      clock,
      log: createLogger('silent'),
      run,
      policySource: join(dir, 'policy.json'),
      assetsDir: join(dir, 'no-assets'),
      // The expiry sweep every 50 ms, so a test need not wait 5 s for it.
      feedTimings: { sweepMs: 50 },
    });
  });
  afterAll(async () => {
    await adminConsole?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const login = (link: string) => consoleRequest(adminConsole.url, 'POST', '/api/login', { body: { secret: new URL(link).hash.slice('#login='.length) } });

  it('refuses a link 60 s after it was made, and takes one a moment before', async () => {
    const late = adminConsole.loginLink('root');
    const early = adminConsole.loginLink('root');
    nowMs += 59_999;
    expect((await login(early.link)).status).toBe(200);
    nowMs += 1;
    const refused = await login(late.link);
    expect([refused.status, refused.errorCode]).toEqual([401, 'login_invalid']);
  });

  it('ends a session after 15 minutes without a request', async () => {
    const opened = await login(adminConsole.loginLink('root').link);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    nowMs += 14 * 60_000;
    expect((await consoleRequest(adminConsole.url, 'GET', '/api/session', { cookie })).status).toBe(200);
    nowMs += 14 * 60_000;
    expect((await consoleRequest(adminConsole.url, 'GET', '/api/session', { cookie })).status).toBe(200);
    nowMs += 15 * 60_000 + 1;
    const ended = await consoleRequest(adminConsole.url, 'GET', '/api/session', { cookie });
    expect([ended.status, ended.errorCode]).toEqual([401, 'session_ended']);
  });
  /** The live feed as a page reads it: event names in order, and whether the stream ended. */
  function openFeed(cookie: string) {
    const events: string[] = [];
    let ended = false;
    const done = new Promise<void>((resolve, reject) => {
      const req = request(new URL('/api/events', adminConsole.url), { headers: { cookie } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding('utf8').on('data', (chunk: string) => {
          for (const match of chunk.matchAll(/^event: (.+)$/gm)) events.push(match[1]!);
        });
        res.on('end', () => {
          ended = true;
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
    return { events, done, ended: () => ended };
  }

  it('pushes an admin operation from the socket to an open page as it returns, and ends the stream at logout', async () => {
    const opened = await login(adminConsole.loginLink('root').link);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    const csrf = opened.json<{ csrf: string }>().csrf;
    const feed = openFeed(cookie);
    await expect.poll(() => feed.events).toEqual(['hello']);
    // What the CLI sends over the admin socket: the page hears of it before the answer is back.
    const ops = adminConsole.adminOps(createAdminOperations({ store, clock: { nowMs: () => nowMs, nowSeconds: () => Math.floor(nowMs / 1000) }, origin: () => 'https://127.0.0.1:1', pin: 'sha256/x', loadPolicy: () => Promise.reject(new Error('no policy')) }));
    await ops({ op: 'invite.create', email: 'feed@example.com', expiresInSeconds: 3600, devices: 1 }, { user: 'root', uid: 0, pid: 1, sudoUser: null, source: 'peer-credentials' });
    await expect.poll(() => feed.events).toEqual(['hello', 'change']);
    const out = await consoleRequest(adminConsole.url, 'POST', '/api/logout', { cookie, csrf });
    expect(out.status).toBe(200);
    await feed.done;
    expect(feed.events).toEqual(['hello', 'change', 'session_ended']);
  });

  it('ends the live feed of a session that expired', async () => {
    const opened = await login(adminConsole.loginLink('root').link);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    const feed = openFeed(cookie);
    await expect.poll(() => feed.events).toEqual(['hello']);
    nowMs += 15 * 60_000 + 1;
    await feed.done;
    expect(feed.events).toEqual(['hello', 'session_ended']);
  });
});
