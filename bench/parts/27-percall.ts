/**
 * Issue 19: per-call costs of a model call that were cut, each beside the way it was done before,
 * in one run (µs per call, the median of 7 rounds of 5,000 after a warm-up; no I/O):
 *  - the request's logger: fastify's default, a pino child of the gateway's logger built for every
 *    request, against gateway/server/lazy-request-logger.ts, which builds it when something logs;
 *  - the call's stop as the transport uses it (made, one abort listener added and removed): an
 *    AbortController and its signal against gateway/model/call-stop.ts's CallStop.
 */
import type { Writable } from 'node:stream';
import type { BenchRow } from '../run.js';
import { medianMicrosPerCall, microsBesideBefore } from '../stats.js';
import { createGatewayLogger } from '../../gateway/logging/logger.js';
import { lazyRequestLogger } from '../../gateway/server/lazy-request-logger.js';
import { CallStop } from '../../gateway/model/call-stop.js';

export default async function perCallBench(log: (line: string) => void): Promise<BenchRow[]> {
  // The gateway's logger as the bench runs it (warn, JSON, redaction set), writing nowhere.
  const logger = createGatewayLogger({ level: 'warn', format: 'json', destination: { write: () => true } as unknown as Writable });
  const reqIds = (i: number) => ({ reqId: `req-${i.toString(36)}` });
  const childEach = medianMicrosPerCall(reqIds, (bindings) => logger.child(bindings, {}));
  const lazy = medianMicrosPerCall(reqIds, (bindings) => lazyRequestLogger(logger, bindings, {}));

  const listener = () => undefined;
  const nothing = () => null;
  const abortController = medianMicrosPerCall(nothing, () => {
    const signal = new AbortController().signal;
    signal.addEventListener('abort', listener, { once: true });
    signal.removeEventListener('abort', listener);
    return signal.aborted;
  });
  const callStop = medianMicrosPerCall(nothing, () => {
    const stop = new CallStop();
    stop.addEventListener('abort', listener, { once: true });
    stop.removeEventListener('abort', listener);
    return stop.aborted;
  });

  log('per call: 7 rounds of 5,000 after a warm-up, each beside the way it was done before');

  const row = (name: string, value: number, before: string, beforeValue: number) => microsBesideBefore('per-call costs', name, value, before, beforeValue);
  return [
    row("request logger: pino child built on first use (nothing logged)", lazy, 'a pino child per request', childEach),
    row('call stop: CallStop, one abort listener added and removed', callStop, 'AbortController', abortController),
  ];
}
