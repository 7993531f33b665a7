/**
 * The model routes, registered inside the authenticated context (request.device is set):
 * `GET /v1/models` lists what this tester may use; `POST /v1/chat/completions` proxies a call.
 */
import type { FastifyPluginAsync } from 'fastify';
import { modelList, type ModelList } from '../../protocol/schemas/models.js';
import { responses } from '../http/schemas.js';
import { handleChat, deviceOf, type ChatDeps } from './chat-call.js';

/** Bounded request size: the chat schema's own field limits are smaller than the sum they allow. */
export const CHAT_BODY_LIMIT = 8 * 1024 * 1024;

export const modelRoutes: FastifyPluginAsync<{ deps: ChatDeps }> = async (app, { deps }) => {
  app.get<{ Reply: ModelList }>('/v1/models', { schema: { response: responses({ 200: modelList }) } }, async (request) => {
    const device = deviceOf(request);
    return { object: 'list' as const, data: deps.catalog.list(device.tester) };
  });

  app.post('/v1/chat/completions', { bodyLimit: CHAT_BODY_LIMIT }, (request, reply) => handleChat(deps, request, reply));
};
