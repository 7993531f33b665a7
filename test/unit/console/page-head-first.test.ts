/**
 * The console listener sends a drawn page's head before the page's data is read: the browser
 * sets up the page and fetches its scripts meanwhile. A FirstPaint whose rest is held back shows
 * the head arriving while the rest is still pending, and the answer ending with the rest.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleApi } from '../../../gateway/console/api.js';
import type { FirstPaint } from '../../../gateway/console/first-paint.js';
import type { LiveFeed } from '../../../gateway/console/live-feed.js';
import type { ConsoleAddress } from '../../../gateway/console/request-guard.js';
import { buildConsoleServer, cookieName } from '../../../gateway/console/server.js';
import { createConsoleSessions } from '../../../gateway/console/sessions.js';

const HEAD = '<!doctype html><html><head><title>t</title></head><body>';
const REST = '<div id="root">drawn</div></body></html>';

describe('a drawn console page on the wire', () => {
  let dir: string;
  let app: FastifyInstance;
  let releaseRest: (html: string) => void = () => undefined;
  let restAsked = false;
  const address: ConsoleAddress = { scheme: 'http', host: '127.0.0.1', port: 0 };
  const sessions = createConsoleSessions(() => Date.now());
  const firstPaint: FirstPaint = {
    start: async () => ({
      kind: 'page',
      head: HEAD,
      styleHashes: [],
      rest: () => {
        restAsked = true;
        return new Promise((resolve) => (releaseRest = (html) => resolve({ html, drawn: true })));
      },
    }),
  };
  const feed: LiveFeed = { add: () => () => undefined, publish: () => undefined, connectionsChanged: () => undefined, endSession: () => undefined, clients: () => 0, stop: () => undefined };
  const api: ConsoleApi = { register: () => undefined };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-console-head-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><html><body>plain</body></html>');
    app = await buildConsoleServer({ address, sessions, api, feed, assetsDir: dir, firstPaint, log: { info: () => undefined, warn: () => undefined, error: () => undefined }, audit: async () => undefined });
    address.port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the head at once, and the rest when the page is drawn', async () => {
    const { secret } = sessions.issueLink('alice');
    const opened = sessions.redeem(secret)!;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: address.port, path: '/devices', headers: { host: `127.0.0.1:${address.port}`, cookie: `${cookieName(address)}=${opened.sessionId}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    response.setEncoding('utf8');
    const chunks: string[] = [];
    const ended = new Promise<void>((resolve) => response.on('end', resolve));
    // The head arrives while the page's data is still being read (its rest not yet given).
    const first = await new Promise<string>((resolve) => response.once('data', (chunk: string) => resolve(chunk)));
    chunks.push(first);
    response.on('data', (chunk: string) => chunks.push(chunk));
    expect(first).toBe(HEAD);
    expect(restAsked).toBe(true);
    releaseRest(REST);
    await ended;
    expect(chunks.join('')).toBe(HEAD + REST);
  });
});
