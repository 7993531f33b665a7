import { describe, expect, it } from 'vitest';
import { classifyPrompt, DEMO_LABEL, demoTokens, topicsOf } from '../../../gateway/model/demo-answers.js';
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
    expect(demoAnswer(messages, 5).tokens).toEqual(a.tokens.slice(0, 5));
    // A roomy max_tokens does not pad the answer: it ends when it is done, as a model does.
    expect(demoAnswer(messages, 50_000)).toEqual(a);
  });

  it('answers like a model: shaped by the prompt, short or long, with lists, tables and code', () => {
    const answer = (prompt: string) => demoAnswer([{ role: 'user', content: prompt }], undefined).tokens.join('');
    const greeting = answer('hello');
    const list = answer('What are the steps to rotate a gateway certificate?');
    const table = answer('Compare sqlite versus postgres for the audit log');
    const code = answer('Write a python function to count tester sessions');
    const long = answer('Explain in detail how revocation reaches a streaming laptop');
    for (const text of [greeting, list, table, code, long]) expect(text.startsWith(`${DEMO_LABEL}\n\n`)).toBe(true);
    expect(new Set([greeting, list, table, code, long]).size).toBe(5);
    expect(list).toMatch(/\n1\. \*\*.+\n2\. /);
    expect(table).toMatch(/\| Aspect \| sqlite \| postgres \|\n\| --- \| --- \| --- \|\n\| /);
    expect(code).toMatch(/```python\n(.|\n)*def summarize_(.|\n)*\n```/);
    expect(long).toMatch(/## Overview(.|\n)*## Trade-offs\n\n\| Choice/);
    expect(demoTokens(greeting).length).toBeLessThan(45);
    expect(demoTokens(long).length).toBeGreaterThan(200);
    // The same conversation gives the same answer; a different earlier turn gives another.
    expect(answer('Compare sqlite versus postgres for the audit log')).toBe(table);
    const followUp = demoAnswer([{ role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Compare sqlite versus postgres for the audit log' }], undefined).tokens.join('');
    expect(followUp).not.toBe(table);
    expect(classifyPrompt('Compare sqlite versus postgres')).toBe('table');
    expect(topicsOf('Compare sqlite versus postgres for the audit log')).toEqual(['sqlite', 'postgres', 'audit']);
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
