import { z } from 'zod';

/**
 * OpenAI chat completions, documented request fields only (unknown fields refused, so nothing
 * unexpected is forwarded upstream). Nested tool schemas stay open: they are the model's business.
 */
const textPart = z.strictObject({ type: z.literal('text'), text: z.string().max(1_000_000) });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({ url: z.string().max(20_000_000), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const content = z.union([z.string().max(1_000_000), z.array(z.union([textPart, imagePart])).max(100)]);
const toolCall = z.strictObject({
  id: z.string().max(200),
  type: z.literal('function'),
  function: z.strictObject({ name: z.string().max(200), arguments: z.string().max(1_000_000) }),
});

export const chatMessage = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content, name: z.string().max(200).optional() }),
  z.strictObject({ role: z.literal('developer'), content, name: z.string().max(200).optional() }),
  z.strictObject({ role: z.literal('user'), content, name: z.string().max(200).optional() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: content.nullable().optional(),
    name: z.string().max(200).optional(),
    tool_calls: z.array(toolCall).max(100).optional(),
    refusal: z.string().nullable().optional(),
  }),
  z.strictObject({ role: z.literal('tool'), content, tool_call_id: z.string().max(200) }),
]);
export type ChatMessage = z.infer<typeof chatMessage>;

export const chatCompletionRequest = z.strictObject({
  model: z.string().min(1).max(200),
  messages: z.array(chatMessage).min(1).max(1000),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  user: z.string().max(200).optional(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).passthrough().optional(),
  tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).passthrough() }).passthrough()).max(128).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function') }).passthrough()]).optional(),
  parallel_tool_calls: z.boolean().optional(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof usage>;

/** One `data:` chunk of a streamed answer (the parts Airlock reads; the rest is relayed as sent). */
export const chatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.string().optional(), content: z.string().nullable().optional() }).passthrough(),
      finish_reason: z.string().nullable().optional(),
    }).passthrough(),
  ),
  usage: usage.nullable().optional(),
}).passthrough();
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunk>;
