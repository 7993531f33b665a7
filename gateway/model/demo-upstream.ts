/**
 * The built-in DEMO upstream: not a model. It answers deterministically (the same request gives
 * the same words), says in every answer that it is a demo, streams at a set token rate, and
 * reports usage, so a fresh checkout and the tests run end to end with no model server. It is an
 * UpstreamTransport: it reads the very body the proxy would send to a real server and answers
 * with OpenAI-shaped bytes, SSE or JSON.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { chatCompletionRequest, type ChatMessage } from '../../protocol/schemas/chat.js';
import { DEMO_MODEL_ID } from './upstream-config.js';
import type { UpstreamResponse, UpstreamTransport } from './transport.js';

const DEMO_TEXT =
  'This is the Airlock demo upstream, not a real model. The gateway generates this answer itself, ' +
  'deterministically, so the app and its tests run end to end without a model server. ';

/** The most words one demo answer has, whatever max_tokens asks. */
const MAX_DEMO_TOKENS = 100_000;

function textOf(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** The demo's answer as tokens (one word and its trailing space each) and why it stopped. */
export function demoAnswer(messages: ChatMessage[], maxTokens: number | null | undefined): { tokens: string[]; finishReason: 'stop' | 'length'; promptTokens: number } {
  const promptWords = messages.flatMap((m) => words(textOf(m)));
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const quoted = lastUser ? words(textOf(lastUser)).slice(0, 12).join(' ') : '';
  const intro = `[demo] You wrote ${promptWords.length} words${quoted ? `, beginning "${quoted}"` : ''}. `;
  const base = words(intro + DEMO_TEXT).map((w) => `${w} `);
  const limit = Math.min(maxTokens ?? base.length, MAX_DEMO_TOKENS);
  const tokens: string[] = [];
  while (tokens.length < limit) tokens.push(base[tokens.length % base.length]!);
  return { tokens, finishReason: limit < base.length || (maxTokens ?? 0) > base.length ? 'length' : 'stop', promptTokens: Math.max(1, promptWords.length) };
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

      const signal = request.signal;
      const includeUsage = req.stream_options?.include_usage === true;
      async function* stream(): AsyncGenerator<Uint8Array> {
        const frame = (chunk: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
        yield frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
        for (const token of answer.tokens) {
          if (delayMs > 0) await sleep(delayMs, undefined, { signal });
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
