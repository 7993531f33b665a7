/**
 * DEV-ONLY browser preview: serves the built renderer on 127.0.0.1 and implements the same
 * AirlockApi over loopback HTTP (calls) and a streamed event response (state, invite links, chat
 * deltas). Every bridge call needs the page's key, obtained once with the one-time token in the
 * URL; requests from any other origin or host are refused. Never imported by main.ts, never packaged.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { isInvokeChannel, inputSchemas } from '../ipc/contract.js';
import type { EventChannel, EventPayload, InvokeChannel } from '../ipc/contract.js';
import type { CallContext, Handlers } from '../ipc/handlers.js';
import { toFailure } from '../ipc/failure.js';
import { resolveAppPath } from '../shell/app-protocol.js';

export const PREVIEW_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  // Unlike the app's `connect-src 'none'`: the preview's bridge itself is same-origin HTTP.
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const BRIDGE_SCRIPT = '/preview-bridge.js';
const KEY_HEADER = 'x-airlock-bridge';
const MAX_BODY = 4 * 1024 * 1024;

export interface PreviewServer {
  /** The page to open, with the one-time token in its fragment (fragments never reach a server log). */
  pageUrl: string;
  /** Another page URL with a fresh one-time token (for a second browser, e.g. after a headless run used the first). */
  issuePageUrl(): string;
  origin: string;
  close(): Promise<void>;
}

export interface PreviewOptions {
  handlers: Handlers;
  /** Client state and invite links to push to the page. */
  events: { subscribe(push: <E extends EventChannel>(channel: E, payload: EventPayload[E]) => void): () => void };
  /** The built renderer (index.html and assets/). */
  rendererDir: string;
  /** The bundled `bridge-client.ts`. */
  bridgeScript: string;
  onCallerGone?: (callerId: string) => void;
}

const sessionRequest = z.strictObject({ token: z.string().min(1).max(200) });
const invokeRequest = z.strictObject({ input: z.unknown().optional() });

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

export async function startPreviewServer(options: PreviewOptions): Promise<PreviewServer> {
  // One-time tokens not yet traded for the key: each opens one page once.
  const tokens = new Set<string>();
  const newToken = () => {
    const token = randomBytes(32).toString('base64url');
    tokens.add(token);
    return token;
  };
  const token = newToken();
  const key = randomBytes(32).toString('base64url');
  const streams = new Set<ServerResponse>();
  const callerId = 'preview';
  const index = await readFile(path.join(options.rendererDir, 'index.html'), 'utf8');
  // A classic script placed before the app's module script runs first, so window.airlock exists in time.
  const page = index.replace('<head>', `<head>\n    <script src=".${BRIDGE_SCRIPT}"></script>`);
  let origin = '';
  let host = '';

  const push = <E extends EventChannel>(channel: E, payload: EventPayload[E]) => {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  const context: CallContext = { callerId, send: push };
  const unsubscribe = options.events.subscribe(push);

  /** Refuses what did not come from the preview page itself: another host name, origin or site. */
  const foreign = (request: IncomingMessage): boolean => {
    if (request.headers.host !== host) return true;
    const requestOrigin = request.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return true;
    const site = request.headers['sec-fetch-site'];
    return site !== undefined && site !== 'same-origin' && site !== 'none';
  };
  const keyed = (request: IncomingMessage): boolean => {
    const given = request.headers[KEY_HEADER];
    return typeof given === 'string' && sameSecret(given, key);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://preview.invalid');
      if (foreign(request)) return send(response, 403, { error: 'This preview only answers its own page.' });
      const pageHeaders = { 'content-security-policy': PREVIEW_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' };

      if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
        response.writeHead(200, { ...pageHeaders, 'content-type': 'text/html; charset=utf-8' });
        return response.end(page);
      }
      if (request.method === 'GET' && url.pathname === BRIDGE_SCRIPT) {
        response.writeHead(200, { ...pageHeaders, 'content-type': 'text/javascript; charset=utf-8' });
        return response.end(options.bridgeScript);
      }
      if (request.method === 'POST' && url.pathname === '/bridge/session') {
        const parsed = sessionRequest.safeParse(await readJson(request).catch(() => null));
        const match = parsed.success ? [...tokens].find((t) => sameSecret(parsed.data.token, t)) : undefined;
        if (match === undefined) return send(response, 403, { error: 'The one-time token is wrong or already used.' });
        tokens.delete(match);
        return send(response, 200, { key });
      }
      if (url.pathname === '/bridge/events' && request.method === 'GET') {
        if (!keyed(request)) return send(response, 401, { error: 'The bridge key is missing or wrong.' });
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        response.write('event: ready\ndata: {}\n\n');
        streams.add(response);
        const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), 15_000);
        request.on('close', () => {
          clearInterval(heartbeat);
          streams.delete(response);
          if (streams.size === 0) options.onCallerGone?.(callerId);
        });
        return;
      }
      if (url.pathname.startsWith('/bridge/invoke/') && request.method === 'POST') {
        if (!keyed(request)) return send(response, 401, { error: 'The bridge key is missing or wrong.' });
        if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return send(response, 415, { ok: false, code: 'invalid_input', message: 'Refused: JSON only.' });
        const channel = decodeURIComponent(url.pathname.slice('/bridge/invoke/'.length));
        if (!isInvokeChannel(channel)) return send(response, 404, { ok: false, code: 'invalid_input', message: 'Refused: no such call.' });
        const body = invokeRequest.safeParse(await readJson(request).catch(() => null));
        const input = body.success ? inputSchemas[channel].safeParse(body.data.input) : null;
        if (!input?.success) return send(response, 400, { ok: false, code: 'invalid_input', message: 'Refused: the input is not valid.' });
        const handler = options.handlers[channel] as (value: unknown, context: CallContext) => ReturnType<Handlers[InvokeChannel]>;
        const result = await handler(input.data, context).catch(toFailure);
        return send(response, 200, result);
      }
      if (request.method === 'GET') {
        const file = resolveAppPath(options.rendererDir, `app://airlock${url.pathname}`);
        if (file && file.startsWith(path.resolve(options.rendererDir, 'assets') + path.sep)) {
          const data = await readFile(file).catch(() => null);
          if (data) {
            const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : file.endsWith('.css') ? 'text/css; charset=utf-8' : 'application/octet-stream';
            response.writeHead(200, { ...pageHeaders, 'content-type': type });
            return response.end(data);
          }
        }
      }
      send(response, 404, { error: 'Not found.' });
    })().catch(() => {
      if (!response.headersSent) send(response, 500, { error: 'The preview failed.' });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The preview server has no port.');
  host = `127.0.0.1:${address.port}`;
  origin = `http://${host}`;

  return {
    origin,
    pageUrl: `${origin}/#token=${token}`,
    issuePageUrl: () => `${origin}/#token=${newToken()}`,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
