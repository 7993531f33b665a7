/**
 * Issue 19: fastify's per-request child logger is built only when something logs through it, and
 * a line written through `request.log` still carries the request's id, a route's log level and a
 * further child's bindings, as with fastify's own factory.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lazyRequestLogger } from '../../../gateway/server/lazy-request-logger.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  extra?: number;
}

function logged(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return { logger, lines };
}

describe('lazy request logger', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('builds no child logger for requests that log nothing', async () => {
    const { logger } = logged();
    const child = vi.spyOn(logger, 'child');
    app = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true, childLoggerFactory: lazyRequestLogger });
    app.get('/quiet', async () => ({ ok: true }));
    await app.ready();
    child.mockClear(); // fastify's own, at start
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/quiet' })).statusCode).toBe(200);
    expect(child).not.toHaveBeenCalled();
  });

  it('writes what request.log is given with the request id, the route level and a child bindings', async () => {
    const { logger, lines } = logged();
    const child = vi.spyOn(logger, 'child');
    app = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true, childLoggerFactory: lazyRequestLogger });
    const ids: string[] = [];
    app.get('/loud', async (request) => {
      ids.push(request.id);
      request.log.info('first');
      request.log.warn({ extra: 1 }, 'second');
      request.log.child({ extra: 2 }).info('third');
      return { ok: true };
    });
    app.get('/errors-only', { logLevel: 'error' }, async (request) => {
      ids.push(request.id);
      expect(request.log.level).toBe('error');
      request.log.warn('dropped');
      request.log.error('kept');
      return { ok: true };
    });
    await app.ready();
    child.mockClear(); // fastify's own, at start
    await app.inject({ method: 'GET', url: '/loud' });
    await app.inject({ method: 'GET', url: '/errors-only' });
    expect(lines.map((l) => [l.msg, l.reqId, l.extra])).toEqual([
      ['first', ids[0], undefined],
      ['second', ids[0], 1],
      ['third', ids[0], 2],
      ['kept', ids[1], undefined],
    ]);
    // One child per request that logged, built on its first line, and the one asked for (a pino
    // child's `child` is its parent's method, so the spy sees it too).
    expect(child).toHaveBeenCalledTimes(3);
  });
});
