/**
 * Reads an upstream's SSE bytes and says what to relay, event by event, without holding more
 * than one partial event: each complete `data:` event is passed on as the same data, in order.
 * Along the way it notes what the audit and the token budget need (usage, finish, and the
 * answer's text only when the policy audits content). Pure: no I/O, fed by the proxy.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { usage as usageSchema, type Usage } from '../../protocol/schemas/chat.js';
import { sseData } from '../events/sse.js';
import { textOfCommonChunk } from './content-chunk-fast-path.js';

/** Largest single event accepted from an upstream; a bigger one is an upstream error. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;
const MAX_AUDITED_CHARS = 1_000_000;
const USAGE_RE = /"usage"\s*:\s*\{/;
/** A non-empty `content` string in a chunk. */
const TEXT_RE = /"content"\s*:\s*"[^"]/;

export interface RelayState {
  /** Events relayed (not counting `[DONE]`). */
  events: number;
  done: boolean;
  usage: Usage | null;
  /** Chunks that carried answer text: the completion count when the upstream reports no usage. */
  contentChunks: number;
  /** The answer text, collected only when asked (policy.auditContent). */
  text: string | null;
  /** Set when the upstream sent something that is not an OpenAI stream. */
  failure: string | null;
}

export interface StreamRelay {
  /** Feeds upstream bytes; returns the text to write to the client (possibly empty). */
  feed(bytes: Uint8Array): string;
  /** The upstream ended; returns anything left to write. */
  end(): string;
  readonly state: RelayState;
}

export function createStreamRelay(options: { collectText: boolean }): StreamRelay {
  const decoder = new TextDecoder();
  const state: RelayState = { events: 0, done: false, usage: null, contentChunks: 0, text: options.collectText ? '' : null, failure: null };
  let out = '';

  function inspect(data: string): void {
    // Parsing every chunk would cost more than relaying it: only the usage chunk (and, when the
    // policy audits content, the text) needs JSON; counting chunks with text needs only a glance.
    const hasText = TEXT_RE.test(data);
    if (hasText) state.contentChunks++;
    if (!USAGE_RE.test(data) && !(options.collectText && hasText)) return;
    // The common text chunk's shape is read without parsing it all (content-chunk-fast-path.ts).
    const text = state.text !== null && hasText ? textOfCommonChunk(data) : undefined;
    if (text !== undefined) {
      if (state.text!.length < MAX_AUDITED_CHARS) state.text += text;
      return;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) return;
    const record = chunk as { usage?: unknown; choices?: Array<{ delta?: { content?: unknown } }> };
    // Only a chunk that has a usage is checked against the schema: a failed zod parse builds an
    // error with its issues, and the text chunks (every one, when text is collected) have none.
    if (record.usage !== undefined && record.usage !== null) {
      const parsedUsage = usageSchema.safeParse(record.usage);
      if (parsedUsage.success) state.usage = parsedUsage.data;
    }
    const content = Array.isArray(record.choices) ? record.choices[0]?.delta?.content : undefined;
    if (typeof content === 'string' && state.text !== null && state.text.length < MAX_AUDITED_CHARS) state.text += content;
  }

  const parser: EventSourceParser = createParser({
    maxBufferSize: MAX_EVENT_BYTES,
    onEvent(event) {
      if (state.done || state.failure) return;
      if (event.event !== undefined && event.event !== 'message') {
        // OpenAI streams carry data-only events; a named one (e.g. `error`) means the upstream failed.
        state.failure = `upstream sent an "${event.event.slice(0, 40)}" event`;
        return;
      }
      if (event.data === '[DONE]') {
        state.done = true;
        out += 'data: [DONE]\n\n';
        return;
      }
      state.events++;
      inspect(event.data);
      out += sseData(event.data);
    },
    onError(error) {
      if ('type' in error && error.type === 'max-buffer-size-exceeded') state.failure = 'upstream event too large';
    },
  });

  function take(): string {
    const text = out;
    out = '';
    return text;
  }

  return {
    state,
    feed(bytes) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      return take();
    },
    end() {
      parser.feed(decoder.decode());
      parser.reset({ consume: true });
      return take();
    },
  };
}

/** The token counts of a call, from the upstream's usage or, failing that, an honest estimate. */
export function countTokens(state: Pick<RelayState, 'usage' | 'contentChunks'>, promptEstimate: number): { prompt: number; completion: number } {
  if (state.usage) return { prompt: state.usage.prompt_tokens, completion: state.usage.completion_tokens };
  return { prompt: promptEstimate, completion: state.contentChunks };
}
