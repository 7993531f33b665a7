/**
 * Issue 19: `serve --workers 2` serves one port from two gateway processes (node:cluster, each new
 * connection handed to the next worker in turn). What holds across them: a DPoP proof's jti is
 * single-use whichever process sees it, and a revocation, made through the admin socket of the
 * lead worker, has cut the device's streams in both and is refused by both when it is reported done.
 * Real gateway processes, pinned TLS, DPoP.
 */
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { pinnedServerIdentity, type TestDevice } from '../../helpers/pinned-client.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { openStream, type OpenStream } from '../model/streaming-device.js';

describe('two gateway worker processes (serve --workers 2)', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 25 });
    gw = await startGateway({
      args: ['--workers', '2'],
      upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-long' }, { id: 'test-chat' }] }] },
      policy: { limits: { requestsPerMinute: 100_000, tokensPerDay: 100_000_000, streamsPerDevice: 50, eventChannelsPerDevice: 50 } },
    });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** GET /v1/models on a connection of its own: consecutive ones go to different workers. */
  async function onFreshConnection(device: TestDevice, dpop: string): Promise<{ status: number; code: string | undefined }> {
    const client = new Client(gw.url, { connect: { ca: gw.caPem, checkServerIdentity: pinnedServerIdentity([gw.pin]) } });
    try {
      const response = await client.request({ path: '/v1/models', method: 'GET', headers: { authorization: `DPoP ${device.accessToken!}`, dpop } });
      const body = (await response.body.json()) as { error?: { code?: string } };
      return { status: response.statusCode, code: body.error?.code };
    } finally {
      await client.close();
    }
  }

  it('accepts each proof once, whichever worker gets it first or again', async () => {
    const device = await gw.enrolledDevice('single-use@example.com');
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);
    for (let i = 0; i < 8; i++) {
      const dpop = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
      // The same proof on two connections, one after the other: the second goes to the other worker.
      const first = await onFreshConnection(device, dpop);
      const again = await onFreshConnection(device, dpop);
      expect(first.status, `proof ${i}, first use`).toBe(200);
      expect(again, `proof ${i}, replayed`).toEqual({ status: 401, code: 'dpop_replay' });
    }
  }, 120_000);

  it('a revocation has cut the device\'s streams in both workers, and both refuse it, once reported done', async () => {
    const device = await gw.enrolledDevice('revoked-everywhere@example.com');
    const bystander = await gw.enrolledDevice('bystander@example.com');
    // Enough streams, each on its own connection, for both workers to hold some.
    const streams: OpenStream[] = [];
    for (let i = 0; i < 6; i++) {
      const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: `stream ${i}` }] });
      expect(stream.status).toBe(200);
      expect((await stream.next())?.data).toContain('chat.completion.chunk');
      streams.push(stream);
    }
    const other = await openStream(bystander, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: 'keep going' }] });
    expect(other.status).toBe(200);

    await gw.admin({ op: 'device.revoke', id: device.deviceId!, reason: 'left the programme' });
    // Reported done: every stream of the device has been ended with the revocation, in both workers.
    for (const stream of streams) {
      // Bounded: a stream the revocation did not reach would run for minutes.
      const rest = await Promise.race([stream.rest(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a stream of the revoked device was still open 20 s after the revocation was reported done')), 20_000))]);
      const last = rest.at(-1);
      expect(last?.event).toBe('error');
      expect((JSON.parse(last!.data) as { error: { code: string } }).error.code).toBe('device_revoked');
    }
    // And refused by both: four fresh connections, two to each worker.
    for (let i = 0; i < 4; i++) {
      const dpop = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
      expect(await onFreshConnection(device, dpop)).toEqual({ status: 403, code: 'device_revoked' });
    }
    // Nobody else was cut.
    expect((await other.next())?.data).toContain('chat.completion.chunk');
    other.abort();
  }, 120_000);

  it('a tester resumed through the lead worker is served by both again with a new device; the old device stays refused', async () => {
    const before = await gw.enrolledDevice('resumed@example.com');
    // Both workers have seen the tester active (their caches hold it).
    for (let i = 0; i < 2; i++) expect((await onFreshConnection(before, await before.proof('GET', '/v1/models', { accessToken: before.accessToken! }))).status).toBe(200);
    await gw.admin({ op: 'tester.suspend', email: 'resumed@example.com', reason: 'paused' });
    await gw.admin({ op: 'tester.resume', email: 'resumed@example.com' });
    const after = await gw.enrolledDevice('resumed@example.com');
    // Four fresh connections, two to each worker: a worker that missed the resume says tester_suspended.
    for (let i = 0; i < 4; i++) {
      expect(await onFreshConnection(after, await after.proof('GET', '/v1/models', { accessToken: after.accessToken! })), `new device, connection ${i}`).toEqual({ status: 200, code: undefined });
      expect((await onFreshConnection(before, await before.proof('GET', '/v1/models', { accessToken: before.accessToken! }))).status, `old device, connection ${i}`).toBe(403);
    }
  }, 120_000);
});
