import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { parseUpstreams } from '../../../gateway/model/upstream-config.js';
import { DEFAULT_POLICY } from '../../../protocol/schemas/policy.js';
import { startHarness, type Harness } from './plugin-harness.js';
import { allEvents, sseEvents } from './sse-read.js';

const KEY = 'sk-upstream-secret-0123456789';
const DEVICE = 'dev_AAAAAAAAAAAAAAAAAAAA alice@example.com';

describe('model plugin (plain HTTP, test device header)', () => {
  let upstream: OpenAiTestServer;
  let h: Harness;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 20 });
    h = await startHarness(parseUpstreams('test', {
      upstreams: [
        { kind: 'demo', tokensPerSecond: 0 },
        { kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'K' }, models: TEST_MODELS.map((id) => ({ id })), timeouts: { firstByteMs: 300, idleMs: 300 } },
        // The same server with patient timeouts, for the backpressure test (a loaded machine must not turn it into a stall).
        { kind: 'openai', name: 'patient', baseUrl: upstream.baseUrl, apiKey: { env: 'K' }, models: [{ id: 'patient-long', upstreamId: 'test-long' }], timeouts: { firstByteMs: 10_000, idleMs: 10_000 } },
      ],
    }), { env: { K: KEY } });
  });
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
  });

  const chat = (body: object, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-device': DEVICE, ...headers }, body: JSON.stringify(body), signal });

  it('relays the upstream chunks in order, with its key and without the client credentials', async () => {
    const res = await chat({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'DPoP client-token', dpop: 'client-proof' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await allEvents(res.body);
    const seen = upstream.requests.at(-1)!;
    expect(events.map((e) => e.data)).toEqual(seen.sent);
    expect(seen.sent.length).toBe(20 + 4);
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen.headers.dpop).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain('client-token');
    expect(seen.json?.stream_options).toEqual({ include_usage: true });
    const audit = h.audits.at(-1)!;
    expect(audit).toMatchObject({ model: 'test-chat', outcome: 'ok', promptTokens: 7, completionTokens: 20, usageReported: true, stream: true });
    expect(audit.content).toBeUndefined();
  });

  it('lists the demo as labelled and answers deterministically', async () => {
    const list = await (await fetch(`${h.url}/v1/models`, { headers: { 'x-test-device': DEVICE } })).json() as { data: Array<{ id: string; airlock_demo?: boolean }> };
    expect(list.data.find((m) => m.id === 'airlock-demo')?.airlock_demo).toBe(true);
    const body = { model: 'airlock-demo', messages: [{ role: 'user', content: 'hello there' }] };
    const a = await (await chat(body)).json() as { choices: Array<{ message: { content: string } }> };
    const b = await (await chat(body)).json() as typeof a;
    expect(a.choices[0]!.message.content).toContain('demo');
    expect(a.choices[0]!.message.content).toBe(b.choices[0]!.message.content);
  });

  it('answers 502 upstream_error without relaying the upstream text or key', async () => {
    const res = await chat({ model: 'test-error', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('upstream_error');
    expect(text).not.toContain(KEY);
  });

  it('answers 504 when the upstream stalls before the first byte, within the configured time', async () => {
    const started = Date.now();
    const res = await chat({ model: 'test-stall', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('ends a stream that stalls midway with an error event', async () => {
    const res = await chat({ model: 'test-stall-mid', stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    const events = await allEvents(res.body);
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data).error.code).toBe('upstream_timeout');
    expect(events.length).toBe(4 + 1);
  });

  it('aborts the upstream request when the client goes away', async () => {
    const controller = new AbortController();
    const next = upstream.nextRequest();
    const res = await chat({ model: 'test-long', stream: true, messages: [{ role: 'user', content: 'x' }] }, {}, controller.signal);
    const it = sseEvents(res.body)[Symbol.asyncIterator]();
    await it.next();
    const seen = await next;
    controller.abort();
    await expect(seen.closed).resolves.toEqual({ completed: false });
    await expect.poll(() => h.audits.at(-1)?.outcome).toBe('cancelled');
  });

  it('a hub cut ends a model stream with device_revoked and the event channel with revoked', async () => {
    const events = await fetch(`${h.url}/v1/events`, { headers: { 'x-test-device': DEVICE } });
    const eventIt = sseEvents(events.body)[Symbol.asyncIterator]();
    expect((await eventIt.next()).value?.event).toBe('heartbeat');
    const next = upstream.nextRequest();
    const res = await chat({ model: 'test-long', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const streamIt = sseEvents(res.body)[Symbol.asyncIterator]();
    await streamIt.next();
    const seen = await next;
    expect(h.hub.cutDevice('dev_AAAAAAAAAAAAAAAAAAAA', 'laptop lost')).toBe(2);
    let last;
    for (let r = await streamIt.next(); !r.done; r = await streamIt.next()) last = r.value;
    expect(last?.event).toBe('error');
    expect(JSON.parse(last!.data).error).toMatchObject({ code: 'device_revoked' });
    expect(JSON.parse(last!.data).error.message).toContain('laptop lost');
    const revoked = await eventIt.next();
    expect(revoked.value).toMatchObject({ event: 'revoked', data: JSON.stringify({ reason: 'laptop lost' }) });
    expect((await eventIt.next()).done).toBe(true);
    await expect(seen.closed).resolves.toEqual({ completed: false });
    await expect.poll(() => h.audits.at(-1)?.outcome).toBe('cut');
    expect(h.audits.at(-1)).toMatchObject({ code: 'device_revoked', reason: 'laptop lost' });
  });

  it('sends policy events on a policy change', async () => {
    const events = await fetch(`${h.url}/v1/events`, { headers: { 'x-test-device': DEVICE } });
    const it = sseEvents(events.body)[Symbol.asyncIterator]();
    await it.next();
    h.setPolicy({ ...DEFAULT_POLICY, watermark: false });
    const e = (await it.next()).value!;
    expect(e.event).toBe('policy');
    expect(JSON.parse(e.data)).toMatchObject({ watermark: false });
    await it.return?.(undefined);
    h.setPolicy(DEFAULT_POLICY);
  });

  it('keeps at most eventChannelsPerDevice channels a device: a new one ends the oldest, quietly; other devices are not affected', async () => {
    h.setPolicy({ ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, eventChannelsPerDevice: 2 } });
    const device = 'dev_CCCCCCCCCCCCCCCCCCCC carol@example.com';
    const controllers: AbortController[] = [];
    const open = async (who: string) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(`${h.url}/v1/events`, { headers: { 'x-test-device': who }, signal: controller.signal });
      expect(res.status).toBe(200);
      const events = sseEvents(res.body)[Symbol.asyncIterator]();
      expect((await events.next()).value?.event).toBe('heartbeat');
      return events;
    };
    const count = () => h.hub.count({ deviceId: 'dev_CCCCCCCCCCCCCCCCCCCC', kind: 'events' });
    const first = await open(device);
    const second = await open(device);
    const other = await open(DEVICE);
    expect(count()).toBe(2);
    const third = await open(device);
    // The oldest ends with no `revoked` (the device is fine); the others stay open.
    expect(await first.next()).toMatchObject({ done: true });
    await expect.poll(count).toBe(2);
    h.setPolicy({ ...DEFAULT_POLICY, watermark: false });
    for (const still of [second, third, other]) expect((await still.next()).value?.event).toBe('policy');
    controllers.forEach((c) => c.abort());
    await expect.poll(count).toBe(0);
    h.setPolicy(DEFAULT_POLICY);
  });

  it('limits open streams a device and requests a minute with 429 and Retry-After', async () => {
    h.setPolicy({ ...DEFAULT_POLICY, limits: { requestsPerMinute: 3, tokensPerDay: 1_000_000, streamsPerDevice: 1, eventChannelsPerDevice: 4 } });
    const device = 'dev_BBBBBBBBBBBBBBBBBBBB bob@example.com';
    const long = await chat({ model: 'test-long', stream: true, messages: [{ role: 'user', content: 'x' }] }, { 'x-test-device': device });
    const it = sseEvents(long.body)[Symbol.asyncIterator]();
    await it.next();
    const second = await chat({ model: 'test-chat', messages: [{ role: 'user', content: 'x' }] }, { 'x-test-device': device });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    h.hub.cutDevice('dev_BBBBBBBBBBBBBBBBBBBB', 'end');
    for (let r = await it.next(); !r.done; r = await it.next());
    await expect.poll(async () => (await chat({ model: 'test-chat', messages: [{ role: 'user', content: 'x' }] }, { 'x-test-device': device })).status).toBe(429);
    const limited = await chat({ model: 'test-chat', messages: [{ role: 'user', content: 'x' }] }, { 'x-test-device': device });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.json() as { error: { code: string } }).error.code).toBe('rate_limited');
    h.setPolicy(DEFAULT_POLICY);
  });

  it('relays with backpressure: a client that stops reading holds the upstream back', async () => {
    upstream.slowMs = 0;
    upstream.longChunks = 200_000;
    try {
      const next = upstream.nextRequest();
      const controller = new AbortController();
      const res = await chat({ model: 'patient-long', stream: true, messages: [{ role: 'user', content: 'x' }] }, {}, controller.signal);
      const reader = res.body!.getReader();
      await reader.read();
      const seen = await next;
      // The reader pauses; once the buffers on the way are full, the upstream (which honours
      // backpressure) must stand still, well short of the end.
      let stalledAt = -1;
      for (let i = 0; i < 50 && seen.sent.length !== stalledAt; i++) {
        stalledAt = seen.sent.length;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(seen.sent.length).toBe(stalledAt);
      expect(stalledAt).toBeLessThan(200_000);
      // Reading again lets it continue.
      const deadline = Date.now() + 10_000;
      while (seen.sent.length <= stalledAt && Date.now() < deadline) await reader.read();
      expect(seen.sent.length).toBeGreaterThan(stalledAt);
      controller.abort();
      await expect(seen.closed).resolves.toEqual({ completed: false });
    } finally {
      upstream.slowMs = 20;
      upstream.longChunks = 10_000;
    }
  });

  it('audits content only when the policy says so', async () => {
    h.setPolicy({ ...DEFAULT_POLICY, auditContent: true });
    try {
      const res = await chat({ model: 'test-chat', stream: true, messages: [{ role: 'user', content: 'secret prompt' }] });
      await allEvents(res.body);
      await expect.poll(() => h.audits.at(-1)?.content?.completion).toBe(Array.from({ length: 20 }, (_, i) => `w${i} `).join(''));
      expect(JSON.stringify(h.audits.at(-1)!.content!.messages)).toContain('secret prompt');
    } finally {
      h.setPolicy(DEFAULT_POLICY);
    }
    const res = await chat({ model: 'test-chat', messages: [{ role: 'user', content: 'secret prompt' }] });
    await res.text();
    await expect.poll(() => h.audits.length && h.audits.at(-1)!.stream).toBe(false);
    expect(JSON.stringify(h.audits.at(-1))).not.toContain('secret prompt');
  });

  it('refuses unknown fields and unknown models', async () => {
    const bad = await chat({ model: 'test-chat', messages: [{ role: 'user', content: 'x' }], secret_field: 1 });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('secret_field');
    const missing = await chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(missing.status).toBe(404);
  });
});
