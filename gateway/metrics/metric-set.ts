/**
 * Every metric the gateway exposes, on one registry of its own (never prom-client's global one).
 * Label values come from fixed sets only (route patterns, status codes, error codes, admin
 * operations, upstream names from the configuration): never a URL, an email, a token or content.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectionHub } from '../live/connection-hub.js';

/** Request latency: from a fraction of a millisecond (a refusal) to a long streamed answer. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Revocation target: under 100 ms from the admin's command to the cut. */
const CUT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A model call: a short answer to a long stream. */
const MODEL_CALL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetricSet() {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // Gauges read at scrape time from the hub, once the server has made it: nothing on the request path.
  const live: { hub: ConnectionHub | null } = { hub: null };
  return {
    registry,
    live,
    requests: new Counter({ name: 'airlock_http_requests_total', help: 'Requests answered on the testers\' port, by method, route pattern and status.', labelNames: ['method', 'route', 'status'] as const, registers }),
    requestSeconds: new Histogram({ name: 'airlock_http_request_duration_seconds', help: 'Time from a request\'s arrival to the end of its response (a stream: until it ends), by method, route pattern and status.', labelNames: ['method', 'route', 'status'] as const, buckets: REQUEST_BUCKETS, registers }),
    refusals: new Counter({ name: 'airlock_refusals_total', help: 'Error answers sent to clients, by the error code they carried (PROTOCOL.md).', labelNames: ['code'] as const, registers }),
    liveStreams: new Gauge({
      name: 'airlock_live_model_streams',
      help: 'Model calls in progress (each is cut at once by a revocation).',
      registers,
      collect() {
        this.set(live.hub?.count({ kind: 'stream' }) ?? 0);
      },
    }),
    liveEventChannels: new Gauge({
      name: 'airlock_live_event_channels',
      help: 'Open control channels (GET /v1/events).',
      registers,
      collect() {
        this.set(live.hub?.count({ kind: 'events' }) ?? 0);
      },
    }),
    revocations: new Counter({ name: 'airlock_revocations_total', help: 'Admin commands that cut live connections (device revoke, tester suspend), by operation.', labelNames: ['op'] as const, registers }),
    revocationCutSeconds: new Histogram({ name: 'airlock_revocation_cut_seconds', help: 'Time from an admin command reaching this gateway to its live connections being cut (the store write included).', labelNames: ['op'] as const, buckets: CUT_BUCKETS, registers }),
    connectionsCut: new Counter({ name: 'airlock_revocation_connections_cut_total', help: 'Live connections (streams and event channels) cut by admin commands, by operation.', labelNames: ['op'] as const, registers }),
    auditQueueDepth: new Gauge({ name: 'airlock_audit_queue_depth', help: 'Audit entries handed to the store and not yet committed.', registers }),
    storeErrors: new Counter({ name: 'airlock_store_errors_total', help: 'Store calls that failed, by store operation.', labelNames: ['operation'] as const, registers }),
    modelCalls: new Counter({ name: 'airlock_model_calls_total', help: 'Model calls, by upstream (its configured name) and how they ended: ok, cut, cancelled, error.', labelNames: ['upstream', 'outcome'] as const, registers }),
    upstreamSeconds: new Histogram({ name: 'airlock_upstream_call_duration_seconds', help: 'Duration of model calls that reached the upstream (a stream: until its last chunk), by upstream and outcome.', labelNames: ['upstream', 'outcome'] as const, buckets: MODEL_CALL_BUCKETS, registers }),
    upstreamErrors: new Counter({ name: 'airlock_upstream_errors_total', help: 'Model calls the upstream failed (unreachable, error status, bad answer, timeout), by upstream and error code.', labelNames: ['upstream', 'code'] as const, registers }),
  };
}

export type MetricSet = ReturnType<typeof createMetricSet>;
