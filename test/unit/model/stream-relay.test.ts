import { describe, expect, it } from 'vitest';
import { countTokens, createStreamRelay } from '../../../gateway/model/stream-relay.js';

const enc = new TextEncoder();
const chunk = (content: string) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
const usage = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });

describe('stream relay', () => {
  const upstream = `data: ${chunk('Hel')}\n\ndata: ${chunk('lo')}\n\n: comment\n\ndata: ${usage}\n\ndata: [DONE]\n\n`;

  it('relays the same data in order whatever the byte boundaries', () => {
    for (const size of [1, 3, 7, 64, upstream.length]) {
      const relay = createStreamRelay({ collectText: true });
      let out = '';
      const bytes = enc.encode(upstream);
      for (let i = 0; i < bytes.length; i += size) out += relay.feed(bytes.subarray(i, i + size));
      out += relay.end();
      expect(out).toBe(`data: ${chunk('Hel')}\n\ndata: ${chunk('lo')}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`);
      expect(relay.state).toMatchObject({ events: 3, done: true, contentChunks: 2, text: 'Hello', failure: null });
      expect(relay.state.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    }
  });

  it('with text collected, reads a usage carried by a text chunk, and keeps it over later chunks without one', () => {
    const withUsage = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'end' }, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 } });
    const badUsage = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }], usage: { prompt_tokens: 'many' } });
    const relay = createStreamRelay({ collectText: true });
    relay.feed(enc.encode(`data: ${chunk('the ')}

data: ${withUsage}

data: ${badUsage}

data: ${chunk('.')}

`));
    expect(relay.state.text).toBe('the end!.');
    expect(relay.state.usage).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  });

  it('splits a multi-byte character across chunks correctly', () => {
    const relay = createStreamRelay({ collectText: true });
    const bytes = enc.encode(`data: ${chunk('é✓')}\n\n`);
    let out = '';
    for (const b of bytes) out += relay.feed(Uint8Array.of(b));
    expect(out).toBe(`data: ${chunk('é✓')}\n\n`);
    expect(relay.state.text).toBe('é✓');
  });

  it('does not collect text unless asked, and estimates without usage', () => {
    const relay = createStreamRelay({ collectText: false });
    relay.feed(enc.encode(`data: ${chunk('a')}\n\ndata: ${chunk('b')}\n\n`));
    expect(relay.state.text).toBeNull();
    expect(countTokens(relay.state, 9)).toEqual({ prompt: 9, completion: 2 });
  });

  it('treats a named event as an upstream failure and relays nothing after it', () => {
    const relay = createStreamRelay({ collectText: false });
    const out = relay.feed(enc.encode(`event: error\ndata: {"error":{"message":"key sk-123 invalid"}}\n\ndata: ${chunk('x')}\n\n`));
    expect(out).toBe('');
    expect(relay.state.failure).toMatch(/error/);
  });
});
