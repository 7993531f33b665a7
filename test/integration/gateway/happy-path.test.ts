import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, type GatewayClient } from '../../helpers/pinned-client.js';

describe('gateway: invite → challenge → enroll → session → authenticated call', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('keeps its admin socket private (0600) and has no admin route on the network port', async () => {
    expect((await stat(join(gw.dataDir, 'admin.sock'))).mode & 0o777).toBe(0o600);
    expect((await client.raw('POST', '/admin', { body: { op: 'device.list' } })).status).toBe(404);
  });

  it('serves /healthz outside authentication', async () => {
    const res = await client.raw('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('enrolls a device and lists models with a DPoP-bound token', async () => {
    const device = await createTestDevice(client);
    const link = await gw.invite('happy@example.com');
    const enrolled = await device.enroll(link);
    expect(enrolled.tester).toBe('happy@example.com');
    expect(enrolled.deviceId).toMatch(/^dev_/);
    expect(enrolled.policy).toEqual({ tokenLifetimeSeconds: 900, watermark: true, contentProtection: true, chatHistory: 'none' });

    const session = await device.session();
    expect(session.tokenType).toBe('DPoP');
    expect(session.expiresIn).toBe(900);

    const res = await device.fetch('GET', '/v1/models');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ object: 'list', data: expect.arrayContaining([expect.objectContaining({ object: 'model' })]) });
    expect(res.headers['dpop-nonce']).toEqual(expect.any(String));

    const devices = await gw.cli(['device', 'list', '--json']);
    expect(devices.code).toBe(0);
    expect(devices.json()).toEqual([expect.objectContaining({ id: enrolled.deviceId, tester: 'happy@example.com', status: 'active', platform: 'linux' })]);
  });
});
