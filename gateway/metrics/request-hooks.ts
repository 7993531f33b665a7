/**
 * Per-request metrics, from two root hooks: `onResponse` (every request, streams and hijacked
 * answers included, once the response has finished) counts and times it by method, route pattern
 * and status; `onSend` reads the error code of an error answer from the first bytes of its body.
 * Label children are bound once per label combination, so a request costs a map lookup, an
 * increment and a bucket search.
 */
import type { FastifyInstance } from 'fastify';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import type { MetricSet } from './metric-set.js';

/** Every error answer starts so (PROTOCOL.md's `{"error":{"code","message"}}`, serialized in key order). */
const ERROR_PREFIX = '{"error":{"code":"';
/** Requests no route matched: a label, not the raw URL (which a client chooses). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The error code an answer body carries, when it is one of the wire table's; null otherwise. */
export function errorCodeOf(payload: unknown): ErrorCode | null {
  if (typeof payload !== 'string' || !payload.startsWith(ERROR_PREFIX)) return null;
  const end = payload.indexOf('"', ERROR_PREFIX.length);
  const code = end > 0 ? payload.slice(ERROR_PREFIX.length, end) : '';
  return Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : null;
}

export function installRequestMetrics(app: FastifyInstance, metrics: MetricSet): void {
  type Bound = { count: ReturnType<MetricSet['requests']['labels']>; seconds: ReturnType<MetricSet['requestSeconds']['labels']> };
  const bound = new Map<string, Bound>();
  const refusals = new Map<ErrorCode, ReturnType<MetricSet['refusals']['labels']>>();

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const key = `${request.method} ${status} ${route}`;
    let children = bound.get(key);
    if (!children) {
      const labels = { method: request.method, route, status: String(status) };
      children = { count: metrics.requests.labels(labels), seconds: metrics.requestSeconds.labels(labels) };
      bound.set(key, children);
    }
    children.count.inc();
    children.seconds.observe(reply.elapsedTime / 1000);
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode >= 400) {
      const code = errorCodeOf(payload);
      if (code) {
        let child = refusals.get(code);
        if (!child) refusals.set(code, (child = metrics.refusals.labels({ code })));
        child.inc();
      }
    }
    done(null, payload);
  });
}
