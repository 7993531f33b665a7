/**
 * The model and events plugins on a bare fastify app over plain HTTP on 127.0.0.1, with the
 * device supplied by a test header instead of DPoP. This tests the plugins' own behaviour in
 * isolation; test/integration/model/ runs the same plugins in the real gateway over pinned TLS.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { DEFAULT_POLICY, type Policy } from '../../../protocol/schemas/policy.js';
import { createConnectionHub, type ConnectionHub } from '../../../gateway/live/connection-hub.js';
import { createModelLimits } from '../../../gateway/limits/model-limits.js';
import { createUpstreamUserIds } from '../../../gateway/model/upstream-user.js';
import { createMemoryTokenLedger, type TokenUsageLedger } from '../../../gateway/limits/token-budget.js';
import { createModelCatalog, type ModelCatalog } from '../../../gateway/model/catalog.js';
import type { ModelCallAudit, ModelStartSink } from '../../../gateway/model/call-audit.js';
import { modelRoutes } from '../../../gateway/model/plugin.js';
import { eventsRoutes } from '../../../gateway/events/plugin.js';
import type { UpstreamsFile } from '../../../gateway/model/upstream-config.js';

export interface Harness {
  url: string;
  app: FastifyInstance;
  hub: ConnectionHub;
  catalog: ModelCatalog;
  audits: ModelCallAudit[];
  ledger: TokenUsageLedger;
  setPolicy(policy: Policy): void;
  close(): Promise<void>;
}

export async function startHarness(upstreams: UpstreamsFile, options: { policy?: Policy; heartbeatMs?: number; env?: NodeJS.ProcessEnv; stillActive?: (device: { deviceId: string }) => Promise<boolean>; auditStart?: ModelStartSink; /** Runs before an end entry is kept in `audits` (e.g. a slow store). */ beforeAudit?: () => Promise<void> } = {}): Promise<Harness> {
  let policy = options.policy ?? DEFAULT_POLICY;
  const listeners = new Set<(p: Policy) => void>();
  const hub = createConnectionHub();
  const ledger = createMemoryTokenLedger();
  const audits: ModelCallAudit[] = [];
  const catalog = await createModelCatalog(upstreams, { env: options.env ?? {} });
  const app = Fastify({ logger: process.env.HARNESS_LOG ? { level: 'debug' } : false });
  app.decorateRequest('device', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-test-device'];
    if (typeof header === 'string') {
      const [deviceId, tester] = header.split(' ');
      (request as unknown as { device: unknown }).device = { deviceId, tester, jkt: 'test' };
    }
  });
  const now = () => Date.now();
  await app.register(modelRoutes, {
    deps: {
      catalog,
      limits: createModelLimits(ledger),
      hub,
      policy: () => policy,
      audit: options.beforeAudit
        ? async (entry) => {
            await options.beforeAudit?.();
            audits.push(entry);
          }
        : (entry) => void audits.push(entry),
      now,
      log: { warn: () => undefined },
      upstreamUserOf: createUpstreamUserIds(Buffer.alloc(32, 7)),
      ...(options.stillActive ? { stillActive: options.stillActive } : {}),
      ...(options.auditStart ? { auditStart: options.auditStart } : {}),
    },
  });
  await app.register(eventsRoutes, {
    deps: {
      hub,
      onPolicyChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      heartbeatMs: options.heartbeatMs ?? 15_000,
      channelsPerDevice: () => policy.limits.eventChannelsPerDevice,
      now,
      ...(options.stillActive ? { stillActive: options.stillActive } : {}),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    hub,
    catalog,
    audits,
    ledger,
    setPolicy(next) {
      policy = next;
      for (const l of listeners) l(next);
    },
    async close() {
      app.server.closeAllConnections();
      await app.close();
      await catalog.close();
    },
  };
}
