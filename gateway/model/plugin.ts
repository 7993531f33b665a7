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

/** How long closing waits for calls whose answers are over (sent or cut) to write their end entries. */
const CLOSE_WAIT_MS = 10_000;

export const modelRoutes: FastifyPluginAsync<{ deps: ChatDeps }> = async (app, { deps }) => {
  app.get<{ Reply: ModelList }>('/v1/models', { schema: { response: responses({ 200: modelList }) } }, async (request) => {
    const device = deviceOf(request);
    return { object: 'list' as const, data: deps.catalog.list(device.tester) };
  });

  // A call goes on after its response has ended: it waits for its start record's flush, then
  // counts its tokens and writes its end entry. Closing the gateway (SIGTERM) ends responses first
  // (forceCloseConnections), so without this wait the store closed under those last steps and the
  // next start marked a finished call as interrupted.
  const finishing = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    if (finishing.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      Promise.allSettled([...finishing]).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!done) deps.log.warn({ calls: finishing.size }, 'closing before every model call wrote its end entry; the next start marks those interrupted');
  });

  app.post('/v1/chat/completions', { bodyLimit: CHAT_BODY_LIMIT }, (request, reply) => {
    const call = handleChat(deps, request, reply);
    finishing.add(call);
    call.then(
      () => finishing.delete(call),
      () => finishing.delete(call),
    );
    return call;
  });
};
