import { describe, expect, it } from 'vitest';
import { createDemoTransport, demoAnswer } from '../../../gateway/model/demo-upstream.js';
import { createStreamRelay } from '../../../gateway/model/stream-relay.js';

describe('demo upstream', () => {
  it('says it is a demo and answers the same request the same way', () => {
    const messages = [{ role: 'user' as const, content: 'What is Airlock?' }];
    const a = demoAnswer(messages, undefined);
    expect(a.tokens.join('')).toContain('demo upstream, not a real model');
    expect(demoAnswer(messages, undefined)).toEqual(a);
    expect(a.finishReason).toBe('stop');
    expect(demoAnswer(messages, 5)).toMatchObject({ finishReason: 'length' });
    expect(demoAnswer(messages, 500).tokens).toHaveLength(500);
  });

  it('streams OpenAI chunks with usage at the set rate', async () => {
    const transport = createDemoTransport({ tokensPerSecond: 200 });
    const started = performance.now();
    const response = await transport.send({ path: 'chat/completions', signal: new AbortController().signal, body: JSON.stringify({ model: 'airlock-demo', stream: true, stream_options: { include_usage: true }, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }) });
    const relay = createStreamRelay({ collectText: true });
    for await (const bytes of response.body) relay.feed(bytes);
    relay.end();
    const elapsed = performance.now() - started;
    expect(relay.state.done).toBe(true);
    expect(relay.state.usage).toEqual({ prompt_tokens: 1, completion_tokens: 20, total_tokens: 21 });
    expect(relay.state.contentChunks).toBe(20);
    expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('stops when aborted', async () => {
    const transport = createDemoTransport({ tokensPerSecond: 10 });
    const controller = new AbortController();
    const response = await transport.send({ path: 'chat/completions', signal: controller.signal, body: JSON.stringify({ model: 'airlock-demo', stream: true, max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }) });
    const it = response.body[Symbol.asyncIterator]();
    await it.next();
    controller.abort();
    await expect(it.next()).rejects.toThrow();
  });
});
