/**
 * The model proxy and control channel, wired to the gateway context (issue 3's GatewayContext).
 * This is the only file of the model, events and limits code that knows the context's shape;
 * the plugins themselves take small dependency objects and are tested without a full gateway.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { DEFAULT_HEARTBEAT_MS, eventsRoutes } from '../events/plugin.js';
import { createBufferedLedger } from '../limits/buffered-ledger.js';
import { createModelLimits } from '../limits/model-limits.js';
import type { ModelCallAudit } from './call-audit.js';
import { createModelCatalog } from './catalog.js';
import type { ChatDeps, DeviceIdentity } from './chat-call.js';
import { modelRoutes } from './plugin.js';
import { readUpstreamsFile, upstreamsFromFlag, type UpstreamsFile } from './upstream-config.js';

/** How often token usage counted in memory is written to the store (see buffered-ledger.ts). */
const TOKEN_FLUSH_MS = 1_000;

/** Tests and benches shorten the heartbeat with this variable (milliseconds). */
export const HEARTBEAT_ENV = 'AIRLOCK_EVENTS_HEARTBEAT_MS';
/** The demo's token rate can be set with this variable (tokens a second; 0: as fast as read). */
export const DEMO_RATE_ENV = 'AIRLOCK_DEMO_TOKENS_PER_SECOND';

function positiveIntFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
}

/** DATA/upstreams.json when present, else what `serve --upstream` said. */
export async function upstreamsOf(ctx: GatewayContext): Promise<UpstreamsFile> {
  const fromFile = await readUpstreamsFile(ctx.config.paths.dir);
  if (fromFile) return fromFile;
  const upstream = ctx.config.upstream;
  if (upstream.kind === 'demo') return upstreamsFromFlag('demo', { demoTokensPerSecond: positiveIntFromEnv(DEMO_RATE_ENV, 40, 0) });
  return upstreamsFromFlag(upstream.url, { models: ctx.config.models });
}

/** Whether the device may still be served: closes the gap between auth and registering in the hub. */
async function stillActive(ctx: GatewayContext, device: DeviceIdentity): Promise<boolean> {
  const { devices } = ctx.security;
  const state = devices.peek(device.deviceId) ?? (await devices.get(device.deviceId));
  if (ctx.security.locks.holding(device, ctx.clock.nowMs())) return false;
  return state?.status === 'active' && (devices.peekTesterStatus(device.tester) ?? (await devices.testerStatus(device.tester))) === 'active';
}

function auditSink(ctx: GatewayContext): (entry: ModelCallAudit) => Promise<void> {
  return async ({ type, deviceId, model, ...details }) => {
    await ctx.audit.appendDeferred({ type, actor: `device:${deviceId}`, subject: model, details: { deviceId, ...details } });
  };
}

export const modelPlugin: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const catalog = await createModelCatalog(await upstreamsOf(ctx));
  const ledger = createBufferedLedger(ctx.store, {
    flushMs: TOKEN_FLUSH_MS,
    now: () => ctx.clock.nowMs(),
    onError: (error) => ctx.log.warn('token usage not written; retried at the next flush', { error: error instanceof Error ? error.message : String(error) }),
  });
  app.addHook('onClose', async () => {
    await catalog.close();
    await ledger.close();
  });
  const deps: ChatDeps = {
    catalog,
    limits: createModelLimits(ledger),
    hub: ctx.hub,
    policy: () => ctx.policy.current(),
    audit: auditSink(ctx),
    auditStart: ({ type, deviceId, model, ...details }) => ctx.audit.appendWritten({ type, actor: `device:${deviceId}`, subject: model, details: { deviceId, ...details } }),
    now: () => ctx.clock.nowMs(),
    log: { warn: (details, message) => ctx.log.warn(message, details as Record<string, unknown>) },
    stillActive: (device) => stillActive(ctx, device),
    upstreamUserOf: ctx.security.upstreamUserOf,
    ...(ctx.tracer ? { traceAnswer: ctx.tracer.trace } : {}),
  };
  await app.register(modelRoutes, { deps });
};

export const eventsPlugin: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  await app.register(eventsRoutes, {
    deps: {
      hub: ctx.hub,
      onPolicyChange: (listener) => ctx.policy.onChange(listener),
      heartbeatMs: positiveIntFromEnv(HEARTBEAT_ENV, DEFAULT_HEARTBEAT_MS, 10),
      channelsPerDevice: () => ctx.policy.current().limits.eventChannelsPerDevice,
      now: () => ctx.clock.nowMs(),
      stillActive: (device) => stillActive(ctx, device),
    },
  });
};
