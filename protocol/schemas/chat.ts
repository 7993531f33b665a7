import { z } from 'zod';
import { boundedJsonObject } from './bounded-json.js';

/**
 * OpenAI chat completions, documented request fields only (unknown fields refused, so nothing
 * unexpected is forwarded upstream). The JSON schemas inside tools and response formats are the
 * model's business, so their shape stays open, but their nesting and size are bounded
 * (bounded-json.ts): a 5,000-level schema must be a 400, not a stack overflow further on.
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

/** Function names as OpenAI allows them. */
const functionName = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or - (at most 64)');

const functionTool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: functionName,
    description: z.string().max(10_000).optional(),
    parameters: boundedJsonObject().optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([z.enum(['none', 'auto', 'required']), z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: functionName }) })]);

const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: functionName,
      description: z.string().max(10_000).optional(),
      schema: boundedJsonObject().optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

export const chatMessage = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content, name: z.string().max(200).optional() }),
  z.strictObject({ role: z.literal('developer'), content, name: z.string().max(200).optional() }),
  z.strictObject({ role: z.literal('user'), content, name: z.string().max(200).optional() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: content.nullable().optional(),
    name: z.string().max(200).optional(),
    tool_calls: z.array(toolCall).max(100).optional(),
    refusal: z.string().max(1_000_000).nullable().optional(),
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
  stop: z.union([z.string().max(1000), z.array(z.string().max(1000)).max(4)]).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string().max(20), z.number().min(-100).max(100)).refine((bias) => Object.keys(bias).length <= 300, 'must name at most 300 tokens').nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  /** Accepted for compatibility; the gateway replaces it with its own id for the tester (PROTOCOL-CHANGES.md). */
  user: z.string().max(200).optional(),
  response_format: responseFormat.optional(),
  tools: z.array(functionTool).max(128).optional(),
  tool_choice: toolChoice.optional(),
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
