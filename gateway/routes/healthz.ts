import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { responses } from '../http/schemas.js';
import { unauthenticatedRateLimit } from './rate-limit.js';

const healthy = z.strictObject({ ok: z.literal(true) });

/** `GET /healthz` → `{"ok": true}` and nothing else; outside authentication. */
export const healthzRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.get('/healthz', { schema: { response: responses({ 200: healthy }) }, config: unauthenticatedRateLimit(ctx) }, async () => ({ ok: true as const }));
};
