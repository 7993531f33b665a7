import type { GatewayContext } from '../context.js';

/** Per-route config for @fastify/rate-limit on the routes anyone may call (per client address). */
export function unauthenticatedRateLimit(ctx: GatewayContext) {
  return { rateLimit: { max: ctx.config.unauthRateLimit.max, timeWindow: ctx.config.unauthRateLimit.windowMs } };
}
