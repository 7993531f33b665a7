/**
 * Issue 12, holes 1, 2 and 8 and the "also seen" schema item, against a real gateway process with
 * the test's own OpenAI-compatible upstream, which records exactly what the gateway sent it.
 *
 *  1. A deeply nested free-form field is a 400, and never costs the device its stream slots.
 *  2. The daily token budget caps max_tokens / max_completion_tokens to what is left, and a
 *     stream that crosses the budget is ended with an SSE error event.
 *  8. The upstream sees the gateway's opaque id for the tester as `user`, never the client's.
 *  +  `tools`, `tool_choice` and `response_format` are schema-checked and bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { TestDevice } from '../../helpers/pinned-client.js';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { openStream } from '../model/streaming-device.js';

const TOKENS_PER_DAY = 1000;
const STREAMS_PER_DEVICE = 2;

/** `{"a":{"a":...}}` nested `levels` deep, as JSON text (JSON.stringify itself overflows at 5,000 levels). */
function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`;
}

function nested(levels: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('chat bodies an attacker shapes (issue 12: 1, 2, 8, schema bounds)', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let n = 0;
  const tester = async (): Promise<TestDevice> => gw.enrolledDevice(`adv-chat-${++n}@example.com`);

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 1, longChunks: 4000 });
    gw = await startGateway({
      upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'TEST_UPSTREAM_KEY' }, models: TEST_MODELS.map((id) => ({ id })) }] },
      env: { TEST_UPSTREAM_KEY: 'sk-test' },
      policy: { limits: { requestsPerMinute: 1000, tokensPerDay: TOKENS_PER_DAY, streamsPerDevice: STREAMS_PER_DEVICE } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const ask = (extra: object = {}) => ({ model: 'test-chat', messages: [{ role: 'user', content: 'hi' }], ...extra });
  let marks = 0;
  /** A chat call, and the body the upstream received for it (found by a marker in its message). */
  async function callAndSee(device: TestDevice, extra: object) {
    const marker = `marker-${++marks}-${Date.now()}`;
    const res = await device.fetch('POST', '/v1/chat/completions', { body: { ...ask(extra), messages: [{ role: 'user', content: marker }] } });
    return { res, sent: upstream.requests.find((r) => r.body.includes(marker))?.json ?? null };
  }

  it('1: a 5,000-level tool schema is a 400, and the device can still chat afterwards', async () => {
    const device = await tester();
    const body = JSON.stringify(ask({ tools: [{ type: 'function', function: { name: 'deep', parameters: '@DEEP@' } }] })).replace('"@DEEP@"', nestedJson(5000));
    expect(body.length).toBeGreaterThan(25_000);
    expect(body.length).toBeLessThan(64 * 1024);
    for (let i = 0; i < STREAMS_PER_DEVICE + 1; i++) {
      const refused = await device.fetch('POST', '/v1/chat/completions', { body });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.errorCode).toBe('bad_request');
      expect(refused.json<{ error: { message: string } }>().error.message).toMatch(/nest/i);
    }
    const fine = await device.fetch('POST', '/v1/chat/completions', { body: ask() });
    expect(fine.status, fine.text).toBe(200);
  });

  it('1: deep nesting in response_format and tool_choice is refused the same way', async () => {
    const device = await tester();
    const deepFormat = await device.fetch('POST', '/v1/chat/completions', { body: ask({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: nested(200) } } }) });
    expect(deepFormat.status, deepFormat.text).toBe(400);
    const deepChoice = await device.fetch('POST', '/v1/chat/completions', { body: ask({ tool_choice: { type: 'function', function: { name: 'x', extra: nested(200) } } }) });
    expect(deepChoice.status, deepChoice.text).toBe(400);
  });

  it('also seen: tools, tool_choice and response_format are schema-checked; well-formed ones reach the upstream', async () => {
    const device = await tester();
    for (const bad of [
      { tools: [{ type: 'function', function: { name: 'f', parameters: {}, surprise: 1 } }] },
      { tools: [{ type: 'function', function: { name: 'f'.repeat(65) } }] },
      { tool_choice: { type: 'function', function: { name: 'f' }, surprise: true } },
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} }, surprise: 1 } },
      { response_format: { type: 'text', json_schema: { name: 'x' } } },
    ]) {
      const res = await device.fetch('POST', '/v1/chat/completions', { body: ask(bad) });
      expect(res.status, `${JSON.stringify(bad)}: ${res.text}`).toBe(400);
    }
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } }];
    const tool_choice = { type: 'function', function: { name: 'get_weather' } };
    const response_format = { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' }, strict: true } };
    const { res: ok, sent } = await callAndSee(device, { tools, tool_choice, response_format });
    expect(ok.status, ok.text).toBe(200);
    if (!sent) throw new Error('the upstream did not receive the call');
    expect(sent.tools).toEqual(tools);
    expect(sent.tool_choice).toEqual(tool_choice);
    expect(sent.response_format).toEqual(response_format);
  });

  it('8: the upstream sees the gateway\'s opaque id for the tester as `user`, never the client\'s value', async () => {
    const a = await tester();
    const b = await tester();
    const users: unknown[] = [];
    const calls = [[a, { user: 'ceo@example.com' }], [a, {}], [b, { user: 'ceo@example.com' }]] as const;
    for (const [i, [device, extra]] of calls.entries()) {
      // Found by its own text among everything the upstream received, whatever else arrives meanwhile.
      const marker = `user-field-${i}-${Date.now()}`;
      const res = await device.fetch('POST', '/v1/chat/completions', { body: { ...ask(extra), messages: [{ role: 'user', content: marker }] } });
      expect(res.status, res.text).toBe(200);
      const received = upstream.requests.find((r) => r.body.includes(marker));
      expect(received, marker).toBeDefined();
      users.push(received!.json!.user);
    }
    expect(users[0]).toMatch(/^airlock-[A-Za-z0-9_-]{16,}$/);
    expect(users[1]).toBe(users[0]);
    expect(users[2]).not.toBe(users[0]);
    for (const user of users) {
      expect(user).not.toContain('ceo');
      expect(user).not.toContain('example.com');
    }
  });

  it('2: max_tokens and max_completion_tokens are capped to what is left of the day', async () => {
    const device = await tester();
    const { res, sent: first } = await callAndSee(device, { max_tokens: 100_000 });
    expect(res.status, res.text).toBe(200);
    if (!first) throw new Error('the upstream did not receive the call');
    expect(first.max_tokens).toBeLessThanOrEqual(TOKENS_PER_DAY);
    expect(first.max_tokens).toBeGreaterThan(0);
    const { res: res2, sent: second } = await callAndSee(device, { max_completion_tokens: 100_000 });
    expect(res2.status, res2.text).toBe(200);
    if (!second) throw new Error('the upstream did not receive the call');
    expect(second.max_completion_tokens).toBeLessThanOrEqual(TOKENS_PER_DAY - 20);
    expect(second.max_tokens).toBeUndefined();
  });

  it('2: a stream that crosses the day\'s budget is ended with an SSE error, and the next call is refused', async () => {
    const device = await tester();
    const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', messages: [{ role: 'user', content: 'talk' }], stream: true });
    expect(stream.status).toBe(200);
    const events = await stream.rest();
    const content = events.filter((e) => e.event === undefined && e.data.includes('"content":"w'));
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'rate_limited' } });
    expect(JSON.parse(last.data).error.message).toMatch(/daily limit/i);
    expect(content.length).toBeLessThanOrEqual(TOKENS_PER_DAY);
    expect(content.length).toBeGreaterThan(TOKENS_PER_DAY / 2);
    // Usage is written by the buffered ledger within a second; the in-flight count covers the gap.
    const next = await device.fetch('POST', '/v1/chat/completions', { body: ask() });
    expect(next.status, next.text).toBe(429);
  });

  it('2: parallel streams share one budget: together they stay within it', async () => {
    const device = await tester();
    const streams = await Promise.all([0, 1].map(() => openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', messages: [{ role: 'user', content: 'talk' }], stream: true })));
    const all = await Promise.all(streams.map((s) => s.rest()));
    const content = all.flat().filter((e) => e.event === undefined && e.data.includes('"content":"w'));
    expect(content.length).toBeLessThanOrEqual(TOKENS_PER_DAY);
    for (const events of all) expect(events.at(-1)!.event).toBe('error');
  });
});
