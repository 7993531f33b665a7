import { isAirlockError } from '../../protocol/errors.js';
import { chatCompletionChunk, chatCompletionRequest, type ChatMessage, type Usage } from '../../protocol/schemas/chat.js';
import { errorBody } from '../../protocol/schemas/common.js';
import { STREAM_ERROR_EVENT } from '../../protocol/schemas/events.js';
import type { ChatDelta } from './api.js';
import { describeError, isRevokingCode, type RevokingCode } from './errors.js';
import { jsonOrUndefined } from './json.js';
import type { Logger } from './ports.js';
import type { Session } from './session/session.js';
import { sseEvents } from './sse.js';

export interface ChatDeps {
  session: Session;
  logger: Logger;
  /** A stream cut because the device was revoked (the gateway's `event: error`). */
  onRevoked(code: RevokingCode, message: string): void;
}

function cancelled(): ChatDelta {
  return { type: 'error', code: 'cancelled', message: 'Cancelled.' };
}

function failed(error: unknown): ChatDelta {
  const { code, message } = describeError(error);
  const retryAfter = isAirlockError(error) ? error.retryAfter : undefined;
  // The ChatDelta codes are the protocol's plus network_error; a missing keychain or a link's gateway cannot come up mid-call.
  return { type: 'error', code: code === 'keychain_unavailable' || code === 'wrong_gateway' || code === 'tpm_unavailable' ? 'network_error' : code, message, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/**
 * `POST /v1/chat/completions` streamed, as deltas. Ends with `done` or `error`; aborting the
 * signal closes the HTTP stream (the gateway then cancels upstream) and ends with `cancelled`.
 */
export async function* streamChat(deps: ChatDeps, request: { model: string; messages: ChatMessage[] }, signal?: AbortSignal): AsyncGenerator<ChatDelta> {
  const body = chatCompletionRequest.safeParse({ model: request.model, messages: request.messages, stream: true, stream_options: { include_usage: true } });
  if (!body.success) {
    yield { type: 'error', code: 'bad_request', message: `The chat request is malformed: ${body.error.issues[0]?.message ?? 'invalid'}.` };
    return;
  }
  if (signal?.aborted) {
    yield cancelled();
    return;
  }
  let finishReason: string | null = null;
  let usage: Usage | null = null;
  // The model the upstream says is answering: the label an answer keeps.
  let model: string | undefined;
  try {
    const response = await deps.session.call({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { accept: 'text/event-stream' },
      body: () => JSON.stringify(body.data),
      ...(signal ? { signal } : {}),
    });
    for await (const event of sseEvents(response.body)) {
      if (event.event === STREAM_ERROR_EVENT) {
        const parsed = errorBody.safeParse(jsonOrUndefined(event.data));
        const code = parsed.success ? parsed.data.error.code : 'upstream_error';
        const message = parsed.success ? parsed.data.error.message : 'The model stream failed.';
        if (isRevokingCode(code)) deps.onRevoked(code, message);
        yield { type: 'error', code, message };
        return;
      }
      if (event.data === '[DONE]') {
        yield { type: 'done', finishReason, usage, ...(model !== undefined ? { model } : {}) };
        return;
      }
      const chunk = chatCompletionChunk.safeParse(jsonOrUndefined(event.data));
      if (!chunk.success) {
        deps.logger.warn('chat: skipping a chunk that is not an OpenAI chunk');
        continue;
      }
      if (chunk.data.usage) usage = chunk.data.usage;
      if (chunk.data.model.length > 0) model = chunk.data.model.slice(0, 200);
      const choice = chunk.data.choices[0];
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      const content = choice?.delta.content;
      if (typeof content === 'string' && content.length > 0) yield { type: 'delta', content, ...(model !== undefined ? { model } : {}) };
    }
    yield signal?.aborted ? cancelled() : { type: 'error', code: 'network_error', message: 'The answer stream ended before it was complete. Try again.' };
  } catch (error) {
    if (signal?.aborted) {
      yield cancelled();
      return;
    }
    if (!isAirlockError(error)) deps.logger.warn('chat: stream failed', { error });
    yield failed(error);
  }
}
