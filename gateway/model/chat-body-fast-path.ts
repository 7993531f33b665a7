/**
 * The chat request body checked by hand first for its common shapes (text messages from the
 * system, developer, user or assistant roles, and the usual sampling fields), with
 * `chatCompletionRequest` (protocol/schemas/chat.ts) as the single source: tools, images, tool
 * messages, null contents, stop lists, logit bias and anything unusual go to zod, which accepts
 * them or words the refusal (protocol/schemas/fast-path.ts). zod's walk of the bench's body costs
 * about ten times the hand check. test/unit/gateway/chat-body-fast-path.test.ts runs both over
 * the same vectors.
 */
import { chatCompletionRequest, type ChatCompletionRequest } from '../../protocol/schemas/chat.js';
import { isJsonObject, isNumberWithin, isSafeIntegerFrom, isStringWithin, withFastPath } from '../../protocol/schemas/fast-path.js';

const TEXT_ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

/** `{role, content: string, name?}` for a role whose content may be a string. */
function isTextMessage(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  let required = 0;
  for (const key of Object.keys(value)) {
    const field = value[key];
    switch (key) {
      case 'role': if (!TEXT_ROLES.has(field)) return false; required++; break;
      case 'content': if (!isStringWithin(field, 0, 1_000_000)) return false; required++; break;
      case 'name': if (!isStringWithin(field, 0, 200)) return false; break;
      default: return false;
    }
  }
  return required === 2;
}

function isMessages(value: unknown): boolean {
  if (!Array.isArray(value) || value.length < 1 || value.length > 1000) return false;
  for (const message of value) if (!isTextMessage(message)) return false;
  return true;
}

function isStreamOptions(value: unknown): boolean {
  if (value === null) return true;
  if (!isJsonObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (key !== 'include_usage' || typeof value[key] !== 'boolean') return false;
  }
  return true;
}

function isPlainChat(value: unknown): value is ChatCompletionRequest {
  if (!isJsonObject(value)) return false;
  let required = 0;
  for (const key of Object.keys(value)) {
    const field = value[key];
    switch (key) {
      case 'model': if (!isStringWithin(field, 1, 200)) return false; required++; break;
      case 'messages': if (!isMessages(field)) return false; required++; break;
      case 'stream': if (typeof field !== 'boolean') return false; break;
      case 'stream_options': if (!isStreamOptions(field)) return false; break;
      case 'temperature': if (field !== null && !isNumberWithin(field, 0, 2)) return false; break;
      case 'top_p': if (field !== null && !isNumberWithin(field, 0, 1)) return false; break;
      case 'max_tokens':
      case 'max_completion_tokens': if (field !== null && !isSafeIntegerFrom(field, 1)) return false; break;
      case 'user': if (!isStringWithin(field, 0, 200)) return false; break;
      default: return false;
    }
  }
  return required === 2;
}

/** `chatCompletionRequest.safeParse` with the hand-checked fast path in front. */
export const chatRequestFast = withFastPath(chatCompletionRequest, isPlainChat);
