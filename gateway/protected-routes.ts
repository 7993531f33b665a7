import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from './context.js';
import { eventsPlugin, modelPlugin } from './model/from-context.js';
import { deviceRetireRoutes } from './routes/device-retire.js';
import { trustAnchorsRoutes } from './trust-anchors/trust-anchors-routes.js';

/**
 * The plugins registered inside the authenticated context (after the DPoP auth hook), so every
 * route here sees `request.device`: the model proxy (`GET /v1/models`, `POST /v1/chat/completions`,
 * with per-tester limits), the control channel (`GET /v1/events`), the device's own sign-out
 * (`POST /v1/device/retire`) and the CA pins the gateway vouches for (`GET /v1/trust`).
 */
export const protectedRoutes: FastifyPluginAsync<{ ctx: GatewayContext }>[] = [modelPlugin, eventsPlugin, deviceRetireRoutes, trustAnchorsRoutes];
