/**
 * The built-in DEMO upstream: not a model. It answers deterministically (the same request gives
 * the same words; demo-answers.ts makes them, shaped by the prompt: short or long, lists, tables,
 * code blocks), says in every answer that it is a demo, streams at a set token rate with a
 * model's unevenness, and reports usage, so a fresh checkout and the tests run end to end with no model server. It is an
 * UpstreamTransport: it reads the very body the proxy would send to a real server and answers
 * with OpenAI-shaped bytes, SSE or JSON.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { chatCompletionRequest, type ChatMessage } from '../../protocol/schemas/chat.js';
import { demoAnswerText, demoTokens } from './demo-answers.js';
import { DEMO_MODEL_ID } from './upstream-config.js';
import { abortSignalOf } from './call-stop.js';
import type { UpstreamResponse, UpstreamTransport } from './transport.js';

/** The most words one demo answer has, whatever max_tokens asks. */
const MAX_DEMO_TOKENS = 100_000;

function textOf(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

/**
 * The demo's answer as tokens and why it stopped: `stop` when the whole answer fits in
 * `maxTokens`, `length` when it was cut there (as a model does).
 */
export function demoAnswer(messages: ChatMessage[], maxTokens: number | null | undefined): { tokens: string[]; finishReason: 'stop' | 'length'; promptTokens: number } {
  const promptWords = messages.flatMap((m) => textOf(m).split(/\s+/).filter(Boolean));
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const all = demoTokens(demoAnswerText(lastUser ? textOf(lastUser) : '', JSON.stringify(messages.map((m) => [m.role, textOf(m)]))));
  const limit = Math.min(maxTokens ?? all.length, MAX_DEMO_TOKENS);
  const tokens = all.slice(0, limit);
  return { tokens, finishReason: tokens.length < all.length ? 'length' : 'stop', promptTokens: Math.max(1, promptWords.length) };
}

/** A delay for token `i`: the set rate on average, unevenly like a real model (deterministic). */
function tokenDelayMs(baseMs: number, token: string, i: number): number {
  const wobble = ((i * 2654435761) >>> 0) / 4294967296; // [0, 1)
  return baseMs * (0.6 + 0.8 * wobble) * (token.includes('\n') ? 1.5 : 1);
}

const demoRequest = chatCompletionRequest.extend({ stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional() });

export interface DemoOptions {
  tokensPerSecond: number;
  /** Seconds since the epoch, for `created`. */
  now?: () => number;
}

export function createDemoTransport(options: DemoOptions): UpstreamTransport {
  const encoder = new TextEncoder();
  const delayMs = options.tokensPerSecond > 0 ? 1000 / options.tokensPerSecond : 0;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    yield bytes;
  }

  return {
    async send(request): Promise<UpstreamResponse> {
      const parsed = demoRequest.safeParse(JSON.parse(request.body));
      if (!parsed.success) {
        return { status: 400, contentType: 'application/json', body: once(encoder.encode(JSON.stringify({ error: { message: 'demo: bad request', type: 'invalid_request_error' } }))) };
      }
      const req = parsed.data;
      const answer = demoAnswer(req.messages, req.max_completion_tokens ?? req.max_tokens);
      const id = `chatcmpl-demo-${createHash('sha256').update(request.body).digest('hex').slice(0, 24)}`;
      const created = now();
      const usage = { prompt_tokens: answer.promptTokens, completion_tokens: answer.tokens.length, total_tokens: answer.promptTokens + answer.tokens.length };
      const base = { id, object: 'chat.completion.chunk', created, model: DEMO_MODEL_ID, system_fingerprint: 'airlock-demo' };

      if (!req.stream) {
        const body = {
          id, object: 'chat.completion', created, model: DEMO_MODEL_ID, system_fingerprint: 'airlock-demo',
          choices: [{ index: 0, message: { role: 'assistant', content: answer.tokens.join('').trimEnd(), refusal: null }, logprobs: null, finish_reason: answer.finishReason }],
          usage,
        };
        return { status: 200, contentType: 'application/json', body: once(encoder.encode(JSON.stringify(body))) };
      }

      const signal = abortSignalOf(request.signal);
      const includeUsage = req.stream_options?.include_usage === true;
      async function* stream(): AsyncGenerator<Uint8Array> {
        const frame = (chunk: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
        yield frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
        for (const [i, token] of answer.tokens.entries()) {
          if (delayMs > 0) await sleep(tokenDelayMs(delayMs, token, i), undefined, { signal });
          else if (signal.aborted) throw signal.reason;
          yield frame({ ...base, choices: [{ index: 0, delta: { content: token }, logprobs: null, finish_reason: null }] });
        }
        yield frame({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: answer.finishReason }] });
        if (includeUsage) yield frame({ ...base, choices: [], usage });
        yield encoder.encode('data: [DONE]\n\n');
      }
      return { status: 200, contentType: 'text/event-stream', body: stream() };
    },
    async close() {},
  };
}
