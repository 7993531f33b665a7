/**
 * Issue 4, items 1, 2 and 4, against a real gateway process over real pinned TLS with DPoP: the
 * demo upstream and the test's own OpenAI-compatible server behind the same proxy code.
 */
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAnswer } from '../../../gateway/model/demo-upstream.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { RawResponse, TestDevice } from '../../helpers/pinned-client.js';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { dpopFetch, openStream } from './streaming-device.js';

const KEY = 'sk-airlock-test-upstream-key-7f3a9c';
const FIRST_BYTE_MS = 600;

describe('model proxy through a real gateway (pinned TLS, DPoP)', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let device: TestDevice;
  /** Every body the tester was sent, to show the upstream key is in none of them. */
  const seenByTester: string[] = [];
  const keep = (r: RawResponse) => (seenByTester.push(r.text, JSON.stringify(r.headers)), r);

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 20 });
    gw = await startGateway({
      upstreams: {
        upstreams: [
          { kind: 'demo', tokensPerSecond: 0 },
          { kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'TEST_UPSTREAM_KEY' }, models: TEST_MODELS.map((id) => ({ id })), timeouts: { firstByteMs: FIRST_BYTE_MS, idleMs: FIRST_BYTE_MS } },
        ],
      },
      env: { TEST_UPSTREAM_KEY: KEY },
      policy: { limits: { requestsPerMinute: 1000, tokensPerDay: 10_000_000, streamsPerDevice: 4 } },
    });
    device = await gw.enrolledDevice('model-tester@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const ask = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'Say something' }], ...extra });

  it('lists the models this tester may use, the demo labelled', async () => {
    const res = keep(await device.fetch('GET', '/v1/models'));
    expect(res.status).toBe(200);
    const list = res.json<{ object: string; data: Array<{ id: string; airlock_demo?: boolean }> }>();
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toEqual(['airlock-demo', ...TEST_MODELS]);
    expect(list.data[0]!.airlock_demo).toBe(true);
  });

  it('relays the test server\'s chunks unchanged and in order; the upstream sees only the gateway key', async () => {
    const stream = await openStream(device, 'POST', '/v1/chat/completions', ask('test-chat', { stream: true }));
    expect(stream.status).toBe(200);
    const events = await stream.rest();
    seenByTester.push(...events.map((e) => e.data));
    const received = upstream.requests.at(-1)!;
    expect(events.map((e) => e.data)).toEqual(received.sent);
    expect(received.sent).toHaveLength(24);
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.headers.dpop).toBeUndefined();
    const everything = JSON.stringify(received.headers) + received.body;
    expect(everything).not.toContain(device.accessToken!);
    expect(everything).not.toMatch(/DPoP /);
    expect(received.json?.stream_options).toEqual({ include_usage: true });
  });

  it('streams the demo\'s deterministic answer chunk by chunk, with usage', async () => {
    const body = ask('airlock-demo', { stream: true, max_tokens: 30 });
    const events = await (await openStream(device, 'POST', '/v1/chat/completions', body)).rest();
    const chunks = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as { model: string; choices: Array<{ delta: { content?: string } }>; usage?: { completion_tokens: number } });
    const contents = chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []));
    expect(contents).toEqual(demoAnswer(body.messages as never, 30).tokens);
    expect(chunks.every((c) => c.model === 'airlock-demo')).toBe(true);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(30);
    expect(events.at(-1)!.data).toBe('[DONE]');
  });

  it('the official openai client parses streamed and non-streamed answers (test server and demo)', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'not-used-dpop-instead', fetch: dpopFetch(device), maxRetries: 0 });
    const whole = await openai.chat.completions.create({ model: 'test-chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.choices[0]!.message.content).toMatch(/^w0 w1/);
    expect(whole.usage?.completion_tokens).toBe(20);
    const stream = await openai.chat.completions.create({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `w${i} `).join(''));
    const demo = await openai.chat.completions.create({ model: 'airlock-demo', messages: [{ role: 'user', content: 'hi' }] });
    expect(demo.choices[0]!.message.content).toContain('demo upstream, not a real model');
    const demoStream = await openai.chat.completions.create({ model: 'airlock-demo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let usage = 0;
    for await (const chunk of demoStream) usage = chunk.usage?.completion_tokens ?? usage;
    expect(usage).toBeGreaterThan(0);
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain('airlock-demo');
  });

  it('an upstream failure is 502 upstream_error and never shows the upstream key', async () => {
    const res = keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-error') }));
    expect(res.status).toBe(502);
    expect(res.errorCode).toBe('upstream_error');
    // The test server put the Authorization it received into its error text: none of it may reach the tester.
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('an upstream that stalls answers 504 upstream_timeout within the configured time', async () => {
    const started = performance.now();
    const res = keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-stall', { stream: true }) }));
    const elapsed = performance.now() - started;
    expect(res.status).toBe(504);
    expect(res.errorCode).toBe('upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 10);
    expect(elapsed).toBeLessThan(FIRST_BYTE_MS + 1500);
  });

  it('a stream that stalls midway ends with an SSE error event and a clean close', async () => {
    const stream = await openStream(device, 'POST', '/v1/chat/completions', ask('test-stall-mid', { stream: true }));
    const events = await stream.rest();
    expect(events).toHaveLength(5);
    expect(events.at(-1)!.event).toBe('error');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ error: { code: 'upstream_timeout' } });
  });

  it('relays each event as it comes, not held for the rest of the answer', async () => {
    // The upstream sends 4 events (the role's and 3 words) and then nothing: a gateway that held
    // events back (for a later write, say) would hand them over only with the stall's error event.
    const stream = await openStream(device, 'POST', '/v1/chat/completions', ask('test-stall-mid', { stream: true }));
    for (let i = 0; i < 4; i++) expect((await stream.next())?.data).toContain('chat.completion.chunk');
    const lastWordAt = performance.now();
    const error = await stream.next();
    expect(error?.event).toBe('error');
    // The error comes when the upstream has been idle for FIRST_BYTE_MS (600 ms) after its last event.
    expect(performance.now() - lastWordAt).toBeGreaterThan(FIRST_BYTE_MS / 2);
  });

  it('a client that disconnects mid-stream makes the upstream request end', async () => {
    const next = upstream.nextRequest();
    const stream = await openStream(device, 'POST', '/v1/chat/completions', ask('test-long', { stream: true }));
    expect((await stream.next())?.data).toContain('chat.completion.chunk');
    const received = await next;
    stream.abort();
    const closed = await Promise.race([received.closed, new Promise((r) => setTimeout(() => r('still open'), 5000))]);
    expect(closed).toEqual({ completed: false });
    expect(received.sent.length).toBeLessThan(100);
  });

  it('refuses documented-field violations before reaching the upstream', async () => {
    const before = upstream.requests.length;
    const res = keep(await device.fetch('POST', '/v1/chat/completions', { body: { ...ask('test-chat'), api_key: 'x' } }));
    expect(res.status).toBe(400);
    expect(res.errorCode).toBe('bad_request');
    const big = keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-chat', { messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }) }));
    expect(big.status).toBe(413);
    expect(upstream.requests.length).toBe(before);
  });

  it('sends policy events, then applies new limits: 429 rate_limited with Retry-After', async () => {
    const events = await openStream(device, 'GET', '/v1/events');
    expect((await events.next())?.event).toBe('heartbeat');
    const path = join(gw.dataDir, 'policy.json');
    const policy = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...policy, watermark: false, limits: { requestsPerMinute: 2, tokensPerDay: 10_000_000, streamsPerDevice: 1 } }), { mode: 0o600 });
    await gw.admin({ op: 'policy.reload' });
    const changed = await events.next();
    expect(changed?.event).toBe('policy');
    expect(JSON.parse(changed!.data)).toMatchObject({ watermark: false });

    const long = await openStream(device, 'POST', '/v1/chat/completions', ask('test-long', { stream: true }));
    await long.next();
    const second = keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-chat') }));
    expect(second.status).toBe(429);
    expect(second.errorCode).toBe('rate_limited');
    expect(second.headers['retry-after']).toBe('1');
    long.abort();
    await expect.poll(async () => keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-chat') })).status, { timeout: 5000 }).toBe(429);
    const limited = keep(await device.fetch('POST', '/v1/chat/completions', { body: ask('test-chat') }));
    expect(limited.status).toBe(429);
    expect(limited.json<{ error: { message: string } }>().error.message).toMatch(/a minute/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    events.abort();
  });

  it('the tester never saw the upstream key', () => {
    expect(seenByTester.length).toBeGreaterThan(10);
    for (const text of seenByTester) expect(text).not.toContain(KEY);
  });
});
