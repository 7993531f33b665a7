import type { FastifyPluginAsync } from 'fastify';
import { modelList, type ModelList } from '../protocol/schemas/models.js';
import type { GatewayContext } from './context.js';
import { responses } from './http/schemas.js';

/**
 * The plugins registered inside the authenticated context (after the DPoP auth hook), so every
 * route here sees `request.device`. The model proxy, events and limits (issue 4) replace this list.
 */
const modelsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.get<{ Reply: ModelList }>('/v1/models', { schema: { response: responses({ 200: modelList }) } }, async () => ({
    object: 'list' as const,
    data: ctx.config.models.map((id) => ({
      id,
      object: 'model' as const,
      created: 0,
      owned_by: ctx.config.upstream.kind === 'demo' ? 'airlock-demo' : 'upstream',
      ...(ctx.config.upstream.kind === 'demo' ? { airlock_demo: true } : {}),
    })),
  }));
};

export const protectedRoutes: FastifyPluginAsync<{ ctx: GatewayContext }>[] = [modelsRoute];
