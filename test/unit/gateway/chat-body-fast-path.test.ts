/**
 * Issue 19: the chat body's hand-checked fast path (gateway/model/chat-body-fast-path.ts) decides
 * exactly as `chatCompletionRequest` does (same verdict, same output, same issues) on valid
 * bodies and on each field missing, wrong, oversized, extra or deeply nested; and it is the one
 * that accepts the common bodies (not zod behind it).
 */
import { describe, expect, it } from 'vitest';
import { chatCompletionRequest } from '../../../protocol/schemas/chat.js';
import { chatRequestFast } from '../../../gateway/model/chat-body-fast-path.js';
import { deeplyNested, expectAgreement, vectorsFor } from '../../helpers/schema-vectors.js';

const SIMPLE = { model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'bench' }] };
const EVERY_FAST_FIELD = {
  model: 'm'.repeat(200),
  messages: [
    { role: 'system', content: 'be brief', name: 'ops' },
    { role: 'developer', content: '' },
    { role: 'user', content: 'hello', name: 'n'.repeat(200) },
    { role: 'assistant', content: 'hi' },
  ],
  stream: false,
  stream_options: { include_usage: true },
  temperature: 2,
  top_p: 0,
  max_tokens: 1,
  max_completion_tokens: 2 ** 53 - 1,
  user: 'u'.repeat(200),
};
const NULLS = { model: 'x', messages: [{ role: 'user', content: 'hi' }], stream_options: null, temperature: null, top_p: null, max_tokens: null, max_completion_tokens: null };
/** Valid, but only zod knows: the fast path hands them on. */
const ZOD_ONLY = [
  { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'data:,', detail: 'low' } }] }] },
  { model: 'x', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', content: 'r', tool_call_id: 'c1' }] },
  { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }], tool_choice: 'auto', parallel_tool_calls: true },
  { model: 'x', messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b'], n: 1, seed: 7, logprobs: true, top_logprobs: 3, logit_bias: { '50256': -100 }, presence_penalty: 1, frequency_penalty: -1 },
  { model: 'x', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' } } } },
  { model: 'x', messages: [{ role: 'assistant' }] },
];

function vectors(): unknown[] {
  const fields = [...Object.keys(chatCompletionRequest.shape).map((key) => [key]), ...['role', 'content', 'name', 'tool_call_id'].map((key) => ['messages', 0, key]), ['messages', 0]];
  const out: unknown[] = [
    NULLS,
    ...ZOD_ONLY,
    ...vectorsFor([SIMPLE, EVERY_FAST_FIELD], fields, ['system', 'developer'], [[], ['messages', 0]]),
    ...vectorsFor([EVERY_FAST_FIELD], [['stream_options', 'include_usage']], [], [['stream_options']]),
  ];
  out.push(
    { ...SIMPLE, messages: [{ role: 'user', content: 'x'.repeat(1_000_000) }] },
    { ...SIMPLE, messages: [{ role: 'user', content: 'x'.repeat(1_000_001) }] },
    { ...SIMPLE, messages: [{ role: 'user', content: 'hi', name: 'x'.repeat(1_000_001) }] },
    { ...SIMPLE, messages: [] },
    { ...SIMPLE, messages: Array.from({ length: 1000 }, () => ({ role: 'user', content: 'a' })) },
    { ...SIMPLE, messages: Array.from({ length: 1001 }, () => ({ role: 'user', content: 'a' })) },
    { ...SIMPLE, messages: [{ role: 'user', content: deeplyNested(5_000) }] },
    { ...SIMPLE, tools: [{ type: 'function', function: { name: 'f', parameters: deeplyNested(5_000) } }] },
    [SIMPLE], 'not a body', null, undefined, deeplyNested(5_000), Object.assign(Object.create(null) as object, SIMPLE),
  );
  return out;
}

describe('the chat body fast path', () => {
  it('agrees with chatCompletionRequest on every vector', () => {
    const all = vectors();
    expect(all.length).toBeGreaterThan(1_500);
    const fastAccepted = expectAgreement(chatRequestFast, chatCompletionRequest, all);
    // The fast path really carries the common bodies (hundreds of the vectors), not zod behind it.
    expect(fastAccepted).toBeGreaterThan(100);
  });

  it('accepts the common bodies itself and hands the rest to zod', () => {
    for (const body of [SIMPLE, EVERY_FAST_FIELD, NULLS]) expect(chatRequestFast.safeParse(body).data).toBe(body);
    for (const body of ZOD_ONLY) {
      const parsed = chatRequestFast.safeParse(body);
      expect(parsed.success).toBe(true);
      expect(parsed.data).not.toBe(body);
    }
  });
});
