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
import { hasOnlyFields, isNumberWithin, isSafeIntegerFrom, isStringWithin, withFastPath, type FieldCheck } from '../../protocol/schemas/fast-path.js';

const TEXT_ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

/** `{role, content: string, name?}` for a role whose content may be a string. */
const TEXT_MESSAGE: Record<string, FieldCheck> = {
  role: (v) => TEXT_ROLES.has(v),
  content: (v) => isStringWithin(v, 0, 1_000_000),
  name: (v) => isStringWithin(v, 0, 200),
};

const STREAM_OPTIONS: Record<string, FieldCheck> = { include_usage: (v) => typeof v === 'boolean' };

const orNull = (check: FieldCheck): FieldCheck => (v) => v === null || check(v);

function isTextMessages(value: unknown): boolean {
  if (!Array.isArray(value) || value.length < 1 || value.length > 1000) return false;
  // for…of, not every(): every() skips the holes of a sparse array, which zod refuses.
  for (const message of value) if (!hasOnlyFields(message, TEXT_MESSAGE, ['role', 'content'])) return false;
  return true;
}

const CHAT: Record<string, FieldCheck> = {
  model: (v) => isStringWithin(v, 1, 200),
  messages: isTextMessages,
  stream: (v) => typeof v === 'boolean',
  stream_options: orNull((v) => hasOnlyFields(v, STREAM_OPTIONS, [])),
  temperature: orNull((v) => isNumberWithin(v, 0, 2)),
  top_p: orNull((v) => isNumberWithin(v, 0, 1)),
  max_tokens: orNull((v) => isSafeIntegerFrom(v, 1)),
  max_completion_tokens: orNull((v) => isSafeIntegerFrom(v, 1)),
  user: (v) => isStringWithin(v, 0, 200),
};

const isPlainChat = (value: unknown): value is ChatCompletionRequest => hasOnlyFields(value, CHAT, ['model', 'messages']);

/** `chatCompletionRequest.safeParse` with the hand-checked fast path in front. */
export const chatRequestFast = withFastPath(chatCompletionRequest, isPlainChat);
