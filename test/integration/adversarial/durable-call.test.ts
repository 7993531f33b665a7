/**
 * Issue 12, also seen: a model call's audit entry used to be written only after the answer, so a
 * gateway killed mid-answer left no record of a call that happened. Now its start is committed
 * before any of the answer is sent, and the next start marks a call that never ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { openStream } from '../model/streaming-device.js';

interface Row { seq: number; type: string; actor: string; subject: string; details: Record<string, unknown> }

describe('a model call cut off by kill -9 (issue 12, also seen)', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway | undefined;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 50, longChunks: 10_000 });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const upstreams = () => ({ upstreams: [{ kind: 'openai' as const, name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'TEST_UPSTREAM_KEY' }, models: TEST_MODELS.map((id) => ({ id })) }] });

  it('is recorded when it starts, and marked interrupted at the next start', async () => {
    gw = await startGateway({ upstreams: upstreams(), env: { TEST_UPSTREAM_KEY: 'sk-test' } });
    const dataDir = gw.dataDir;
    const device = await gw.enrolledDevice('killed-mid-answer@example.com');
    const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', messages: [{ role: 'user', content: 'talk' }], stream: true });
    expect(stream.status).toBe(200);
    for (let i = 0; i < 3; i++) expect(await stream.next()).not.toBeNull();

    await gw.kill('SIGKILL');
    gw = await startGateway({ dataDir, upstreams: upstreams(), env: { TEST_UPSTREAM_KEY: 'sk-test' } });
    const rows = await gw.admin<Row[]>({ op: 'audit.tail', n: 300 });
    const mine = rows.filter((r) => r.actor === `device:${device.deviceId}` && r.type.startsWith('model.call'));
    expect(mine.map((r) => r.type)).toEqual(['model.call.start', 'model.call.interrupted']);
    const [start, interrupted] = mine as [Row, Row];
    expect(start).toMatchObject({ subject: 'test-long', details: { tester: 'killed-mid-answer@example.com', stream: true } });
    expect(interrupted.details.callId).toBe(start.details.callId);
    expect(interrupted.details.startSeq).toBe(start.seq);
    expect(interrupted.seq).toBeLessThan(rows.find((r) => r.type === 'gateway.start' && r.seq > start.seq)!.seq);

    // A call that ends normally has its start and its end, paired, and nothing is marked at the next start.
    const fresh = await gw.enrolledDevice('finished@example.com');
    const done = await fresh.fetch('POST', '/v1/chat/completions', { body: { model: 'test-chat', messages: [{ role: 'user', content: 'hi' }] } });
    expect(done.status, done.text).toBe(200);
    await gw.stop({ keepData: true });
    gw = await startGateway({ dataDir, upstreams: upstreams(), env: { TEST_UPSTREAM_KEY: 'sk-test' } });
    const after = (await gw.admin<Row[]>({ op: 'audit.tail', n: 300 })).filter((r) => r.actor === `device:${fresh.deviceId}` && r.type.startsWith('model.call'));
    expect(after.map((r) => r.type)).toEqual(['model.call.start', 'model.call']);
    expect(after[1]!.details.callId).toBe(after[0]!.details.callId);
  }, 120_000);
});
