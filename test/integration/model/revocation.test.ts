/**
 * Issue 4, item 3: an admin's revocation cuts live connections at once. Real gateway process,
 * pinned TLS, DPoP; the commands go through the admin socket (and once through the real CLI).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, type TestDevice } from '../../helpers/pinned-client.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { openStream, type OpenStream } from './streaming-device.js';

interface AuditRow {
  type: string;
  actor: string;
  subject: string;
  details: Record<string, unknown>;
}

describe('live revocation through the gateway', () => {
  let root: string;
  let upstream: OpenAiTestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 25 });
    root = await mkdtemp(join(tmpdir(), 'airlock-revoke-'));
    gw = await startGateway({ dataDir: join(root, 'data'), upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-long' }, { id: 'test-chat' }] }] } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** A long model stream and an event channel, both open and flowing. */
  async function liveConnections(device: TestDevice): Promise<{ stream: OpenStream; events: OpenStream; upstreamClosed: Promise<{ completed: boolean }> }> {
    const events = await openStream(device, 'GET', '/v1/events');
    expect((await events.next())?.event).toBe('heartbeat');
    const next = upstream.nextRequest();
    const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: 'go on' }] });
    expect(stream.status).toBe(200);
    expect((await stream.next())?.data).toContain('chat.completion.chunk');
    return { stream, events, upstreamClosed: (await next).closed };
  }

  async function lastEvent(stream: OpenStream) {
    const rest = await stream.rest();
    return rest.at(-1);
  }

  async function audit(n = 200): Promise<AuditRow[]> {
    return gw.admin<AuditRow[]>({ op: 'audit.tail', n });
  }

  it('device revoke (real CLI) cuts the stream and the event channel, refuses the next request, and audits both', async () => {
    const device = await gw.enrolledDevice('revoke-me@example.com');
    const live = await liveConnections(device);
    const revoked = await gw.cli(['device', 'revoke', device.deviceId!, '--reason', 'laptop stolen', '--json']);
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toEqual({ id: device.deviceId, status: 'revoked', cut: 2 });

    const event = await live.events.next();
    expect(event).toMatchObject({ event: 'revoked' });
    expect(JSON.parse(event!.data)).toEqual({ reason: 'laptop stolen' });
    expect(await live.events.next()).toBeNull();

    const last = await lastEvent(live.stream);
    expect(last?.event).toBe('error');
    const error = JSON.parse(last!.data) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('device_revoked');
    expect(error.error.message).toContain('laptop stolen');
    await expect(live.upstreamClosed).resolves.toEqual({ completed: false });

    const after = await device.fetch('GET', '/v1/models');
    expect(after.status).toBe(403);
    expect(after.errorCode).toBe('device_revoked');

    await expect.poll(async () => (await audit()).some((e) => e.type === 'model.call' && e.details.deviceId === device.deviceId && e.details.outcome === 'cut')).toBe(true);
    const entries = await audit();
    expect(entries.find((e) => e.type === 'admin.device.revoke' && e.subject === device.deviceId)?.details).toMatchObject({ reason: 'laptop stolen' });
    const call = entries.find((e) => e.type === 'model.call' && e.details.deviceId === device.deviceId)!;
    expect(call.details).toMatchObject({ tester: 'revoke-me@example.com', outcome: 'cut', code: 'device_revoked', reason: 'laptop stolen', stream: true });
    expect(call.details.completionTokens).toBeGreaterThan(0);
    expect(JSON.stringify(call.details)).not.toContain('go on');
  });

  it('tester suspend cuts every connection of every device of the tester, and no one else\'s', async () => {
    const email = 'suspend-me@example.com';
    const first = await createTestDevice(gw.client());
    const link = await gw.admin<{ link: string }>({ op: 'invite.create', email, devices: 2, expiresInSeconds: 3600 });
    await first.enroll(link.link);
    await first.session();
    const second = await createTestDevice(gw.client());
    await second.enroll(link.link);
    await second.session();
    const bystander = await gw.enrolledDevice('bystander@example.com');

    const lives = [await liveConnections(first), await liveConnections(second)];
    const other = await liveConnections(bystander);
    const result = await gw.admin<{ email: string; status: string; devicesRevoked: number; cut: number }>({ op: 'tester.suspend', email, reason: 'left the programme' });
    expect(result).toEqual({ email, status: 'suspended', devicesRevoked: 2, cut: 4 });

    for (const live of lives) {
      const event = await live.events.next();
      expect(event?.event).toBe('revoked');
      expect(JSON.parse(event!.data)).toEqual({ reason: 'left the programme' });
      const last = await lastEvent(live.stream);
      expect(JSON.parse(last!.data).error.code).toBe('tester_suspended');
      await expect(live.upstreamClosed).resolves.toEqual({ completed: false });
    }
    for (const device of [first, second]) {
      const after = await device.fetch('POST', '/v1/chat/completions', { body: { model: 'test-chat', messages: [{ role: 'user', content: 'x' }] } });
      expect(after.status).toBe(403);
      expect(['device_revoked', 'tester_suspended']).toContain(after.errorCode);
    }
    // The bystander's stream still flows.
    expect((await other.stream.next())?.data).toContain('chat.completion.chunk');
    other.stream.abort();
    other.events.abort();

    await expect.poll(async () => (await audit()).filter((e) => e.type === 'model.call' && e.details.tester === email && e.details.outcome === 'cut').length).toBe(2);
    expect((await audit()).some((e) => e.type === 'admin.tester.suspend' && e.subject === email)).toBe(true);
  });

  it('a revocation holds across a restart', async () => {
    const device = await gw.enrolledDevice('restart@example.com');
    await gw.admin({ op: 'device.revoke', id: device.deviceId!, reason: 'gone' });
    await gw.kill('SIGKILL');
    gw = await startGateway({ dataDir: gw.dataDir });
    // The same device (same key) asking the restarted gateway (a new port, so a new origin) for a session.
    const again = await createTestDevice(gw.client(), { signer: device.signer, machineId: device.machineId });
    Object.assign(again, { deviceId: device.deviceId, salt: device.salt });
    const refused = await again.session().catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403, code: 'device_revoked' });
  });
});
