/**
 * The gateway's metrics, as the composition root (server/serve.ts) wires them: each method wraps
 * or watches one part the server already builds, so no other code knows metrics exist.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { Store } from '../store/store.js';
import { timedAdmin, type AdminRun } from './admin-metrics.js';
import { startMetricsListener, type MetricsListener } from './listener.js';
import { createMetricSet } from './metric-set.js';
import { countedAudit } from './model-call-metrics.js';
import { installRequestMetrics } from './request-hooks.js';
import { countedStore } from './store-metrics.js';

export interface GatewayMetrics {
  /** The store, with failed calls counted and audit appends in flight as the queue depth. */
  store<S extends Store>(store: S): S;
  /** The audit log, counting model calls and their upstream from the entries they end with. */
  audit(audit: AuditLog): AuditLog;
  /** The admin command runner, timing revocations to their cut. */
  admin<Rest extends unknown[]>(run: AdminRun<Rest>): AdminRun<Rest>;
  /** Request counts, latency and refusals (a hook on the root instance, before any route). */
  requests(app: FastifyInstance): void;
  /** Live streams and event channels, read from the hub at each scrape. */
  liveConnections(hub: ConnectionHub): void;
  /** Starts the listener (its own port, plain HTTP). */
  listen(at: { host: string; port: number }): Promise<MetricsListener>;
  /** The exposition, as a scrape would get it. */
  exposition(): Promise<string>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const metrics = createMetricSet();
  return {
    store: (store) => countedStore(store, metrics),
    audit: (audit) => countedAudit(audit, metrics),
    admin: (run) => timedAdmin(run, metrics),
    requests: (app) => installRequestMetrics(app, metrics),
    liveConnections(hub) {
      metrics.live.hub = hub;
    },
    listen: (at) => startMetricsListener(metrics.registry, at),
    exposition: () => metrics.registry.metrics(),
  };
}
