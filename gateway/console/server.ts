/**
 * The admin console's listener: its own fastify instance on its own address (loopback unless the
 * admin allows otherwise), never the testers' port. It serves the built console/ app and the
 * console API. Every request must name the console in `Host` (and `Origin` when sent); every API
 * call needs the session cookie that a one-time login link opened; every change also needs the
 * session's CSRF token in `x-airlock-csrf`. Plain HTTP on loopback (the bytes never leave the
 * host, or travel inside an SSH tunnel); HTTPS with the gateway's certificate when remote.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { consoleLoginBody, type ConsoleError } from '../../protocol/schemas/console.js';
import { SSE_HEADERS } from '../events/sse.js';
import type { Logger } from '../log.js';
import type { ConsoleApi } from './api.js';
import { ConsoleHttpError, parseWith } from './errors.js';
import type { FirstPaint } from './first-paint.js';
import type { LiveFeed } from './live-feed.js';
import { checkHostAndOrigin, allowedHosts, contentSecurityPolicy, SECURITY_HEADERS, type ConsoleAddress } from './request-guard.js';
import type { ConsoleSession, ConsoleSessions } from './sessions.js';

const SESSION_ENDED = 'Your console session has ended. Run "airlock-gateway console" on the gateway host for a new link.';

export interface ConsoleServerDeps {
  address: ConsoleAddress;
  tls?: { cert: string; key: string };
  sessions: ConsoleSessions;
  api: ConsoleApi;
  feed: LiveFeed;
  /** The built console/ app (index.html and assets/); absent: a page saying how to build it. */
  assetsDir: string;
  /** Draws a page with its data on the gateway; without it every page is drawn in the browser. */
  firstPaint?: FirstPaint;
  log: Logger;
  /** A session was opened (or ended): recorded in the audit log before the answer. */
  audit(event: 'login' | 'logout', osUser: string): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
    /** The inline stylesheet of a page the gateway drew (`sha256-...`), allowed by the CSP of that answer only. */
    consoleStyleHashes?: string[];
  }
}

/** Vite names every file under assets/ by its content hash: a changed file is a new name, so a browser may keep these. */
const isHashedAsset = (path: string) => /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8}\.(js|css)$/.test(path);

export function cookieName(address: ConsoleAddress): string {
  // `__Host-`: the browser keeps it only from a secure origin, for this host, path /: only with TLS.
  return address.scheme === 'https' ? '__Host-airlock_console' : 'airlock_console';
}

function fail(reply: FastifyReply, error: ConsoleHttpError): FastifyReply {
  const body: ConsoleError = { error: { code: error.code, message: error.message } };
  return reply.code(error.status).header('cache-control', 'no-store').send(body);
}

export async function buildConsoleServer(deps: ConsoleServerDeps): Promise<FastifyInstance> {
  const { address, sessions } = deps;
  // Read on the first request, after listening: with port 0 the port is known only then.
  let hosts: Set<string> | undefined;
  const name = cookieName(address);
  const app = Fastify({
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
    logger: false,
    bodyLimit: 16 * 1024,
    trustProxy: false,
    forceCloseConnections: true,
    return503OnClosing: true,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  await app.register(cookie);

  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (request.consoleStyleHashes) reply.header('content-security-policy', contentSecurityPolicy(request.consoleStyleHashes));
    return payload;
  });

  // Host and Origin before anything else, for every path, static files included.
  app.addHook('onRequest', async (request, reply) => {
    const stateChange = request.method !== 'GET' && request.method !== 'HEAD';
    hosts ??= allowedHosts(address);
    const verdict = checkHostAndOrigin({ host: request.headers.host, origin: request.headers.origin, stateChange }, address, hosts);
    if (!verdict.ok) return fail(reply, new ConsoleHttpError(403, 'wrong_host', verdict.reason));
    if (!request.url.startsWith('/api/') || request.url === '/api/login') return;
    const sessionId = request.cookies[name];
    // The live feed does not count as the admin being active: an open tab still times out.
    const session = sessionId ? sessions.get(sessionId, { touch: request.url !== '/api/events' }) : null;
    if (!session) return fail(reply, new ConsoleHttpError(401, 'session_ended', SESSION_ENDED));
    if (stateChange) {
      const token = request.headers['x-airlock-csrf'];
      if (typeof token !== 'string' || !sessions.csrfMatches(session, token)) {
        return fail(reply, new ConsoleHttpError(403, 'csrf_missing', 'This change did not carry the console page\'s CSRF token, so it was refused. Reload the console and try again.'));
      }
    }
    request.consoleSession = session;
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ConsoleHttpError) return fail(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return fail(reply, new ConsoleHttpError(status, 'bad_request', error instanceof Error ? error.message : 'The request is malformed.'));
    deps.log.error('console request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return fail(reply, new ConsoleHttpError(500, 'internal_error', 'The console failed to do this; see the gateway log.'));
  });
  app.setNotFoundHandler((_request, reply) => fail(reply, new ConsoleHttpError(404, 'not_found', 'There is nothing here.')));

  app.post('/api/login', async (request, reply) => {
    const { secret } = parseWith(consoleLoginBody, request.body, 'The login');
    const opened = sessions.redeem(secret);
    if (!opened) throw new ConsoleHttpError(401, 'login_invalid', 'This login link was already used or has expired (links last 60 seconds and open one session). Run "airlock-gateway console" on the gateway host for a new one.');
    await deps.audit('login', opened.session.osUser);
    reply.setCookie(name, opened.sessionId, { httpOnly: true, sameSite: 'strict', path: '/', secure: address.scheme === 'https' });
    return { osUser: opened.session.osUser, csrf: opened.session.csrf };
  });
  app.post('/api/logout', async (request, reply) => {
    const sessionId = request.cookies[name];
    const session = sessionId ? sessions.get(sessionId, { touch: false }) : null;
    if (sessionId) {
      sessions.end(sessionId);
      deps.feed.endSession(sessionId);
    }
    if (session) await deps.audit('logout', session.osUser);
    reply.clearCookie(name, { path: '/' });
    return {};
  });
  app.get('/api/session', async (request) => {
    const session = request.consoleSession!;
    return { osUser: session.osUser, csrf: session.csrf };
  });

  app.get('/api/events', async (request, reply) => {
    const sessionId = request.cookies[name]!;
    const out = new PassThrough();
    let closed = false;
    const remove = deps.feed.add({
      sessionId,
      write: (chunk) => {
        if (!closed) out.write(chunk);
      },
      close: () => {
        closed = true;
        out.end();
      },
    });
    request.raw.on('close', () => {
      closed = true;
      remove();
      out.end();
    });
    return reply.headers(SSE_HEADERS).send(out);
  });

  deps.api.register(app, (request: FastifyRequest) => request.consoleSession!);

  // wildcard: files are looked up per request, so a build that lands after the start is served.
  // Dotfiles are not served: the build's stamp and the gateway's own drawing code (.ssr/) stay private.
  await app.register(fastifyStatic, { root: deps.assetsDir, index: false, wildcard: true, serve: true, dotfiles: 'ignore', cacheControl: false, setHeaders: (res, path) => res.header('cache-control', isHashedAsset(path) ? 'public, max-age=31536000, immutable' : 'no-cache') });
  // The console's pages are paths (`/devices/dev_...`): drawn here with their data when the
  // request carries a live session, else the plain page, which does it in the browser.
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!existsSync(join(deps.assetsDir, 'index.html'))) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .type('text/plain; charset=utf-8')
        .send('The Airlock console app is not built yet. The gateway builds it when it starts (a few seconds): reload this page shortly. If this stays, run "npm run build:console" in the Airlock checkout.\n');
    }
    const sessionId = request.cookies[name];
    const session = sessionId ? sessions.get(sessionId) : null;
    const readApi = async (path: string) => {
      const answer = await app.inject({ method: 'GET', url: path, headers: { host: request.headers.host ?? '', cookie: request.headers.cookie ?? '' } });
      return { status: answer.statusCode, body: answer.body };
    };
    const started = deps.firstPaint ? await deps.firstPaint.start(request.url, session) : ({ kind: 'plain' } as const);
    if (started.kind === 'notAPage') return reply.callNotFound();
    // A drawn page holds the admin's data and CSRF token: never kept by the browser or anything between.
    // Its head goes out at once; the browser sets up the page and fetches its scripts while the data is read.
    if (started.kind === 'page') {
      request.consoleStyleHashes = started.styleHashes;
      const out = new PassThrough();
      out.write(started.head);
      started.rest(readApi).then(
        (rest) => out.end(rest.html),
        (error: unknown) => {
          deps.log.error('console page failed after its head was sent', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          out.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(out);
    }
    return reply.sendFile('index.html');
  };
  app.get('/', page);
  app.get('/:page', page);
  app.get('/devices/:id', page);
  return app;
}
