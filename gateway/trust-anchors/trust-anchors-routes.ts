import type { FastifyPluginAsync } from 'fastify';
import { trustAnchorsResponse, type TrustAnchorsResponse } from '../../protocol/schemas/trust.js';
import type { GatewayContext } from '../context.js';
import { responses } from '../http/schemas.js';
import { readNextPin } from '../tls/ca-rotation.js';

/**
 * `GET /v1/trust` (authenticated): the pins of the CA this gateway serves and of the staged next CA.
 * Apps enrolled before `ca rotate --stage` hold only the current pin; asking here after each
 * session start, they learn the next one in time for `ca rotate --switch`. The answer travels over
 * a connection already pinned to the current CA, so it is exactly as trusted as that CA: whoever
 * holds the CA's key could announce a pin, and could equally impersonate the gateway outright.
 */
export const trustAnchorsRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.get<{ Reply: TrustAnchorsResponse }>('/v1/trust', { schema: { response: responses({ 200: trustAnchorsResponse }) } }, async () => {
    const next = await readNextPin(ctx.config.paths.dir);
    return { pins: next !== null && next !== ctx.security.pin ? [ctx.security.pin, next] : [ctx.security.pin] };
  });
};
