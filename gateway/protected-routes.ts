import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from './context.js';
import { eventsPlugin, modelPlugin } from './model/from-context.js';

/**
 * The plugins registered inside the authenticated context (after the DPoP auth hook), so every
 * route here sees `request.device`: the model proxy (`GET /v1/models`, `POST /v1/chat/completions`,
 * with per-tester limits) and the control channel (`GET /v1/events`).
 */
export const protectedRoutes: FastifyPluginAsync<{ ctx: GatewayContext }>[] = [modelPlugin, eventsPlugin];
