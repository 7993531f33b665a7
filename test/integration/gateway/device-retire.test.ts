/**
 * `POST /v1/device/retire` (docs/PROTOCOL-CHANGES.md): a device signs itself out. It is `retired` in
 * `device list` with a `device.retire` audit entry, its open control channel is cut, and every later
 * call with its key is refused with `device_revoked`; nothing but an empty JSON object is accepted,
 * and a device another one's token cannot retire it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventChannel } from '../../helpers/event-channel.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { GatewayClient } from '../../helpers/pinned-client.js';

interface Entry { type: string; actor: string; subject: string; details: Record<string, unknown> }

describe('device retire', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('retires the calling device, audits it, cuts its channel and refuses it afterwards', async () => {
    const device = await gw.enrolledDevice('retire@example.com', client);
    const other = await gw.enrolledDevice('retire@example.com', client);
    await device.fetch('GET', '/v1/models');
    const channel = await openEventChannel(gw.url, client, device);
    expect(channel.status).toBe(200);

    const retired = await device.fetch('POST', '/v1/device/retire', { body: {} });
    expect([retired.status, retired.json()]).toEqual([200, { deviceId: device.deviceId, status: 'retired', cut: 1 }]);
    await channel.ended;
    expect(channel.text()).toContain('event: revoked');

    const after = await device.fetch('GET', '/v1/models');
    expect([after.status, after.errorCode]).toEqual([403, 'device_revoked']);
    const again = await device.fetch('POST', '/v1/device/retire', { body: {} });
    expect([again.status, again.errorCode]).toEqual([403, 'device_revoked']);
    // A new session is refused too: the key is ended for good.
    await expect(device.session()).rejects.toThrow(/device_revoked/);

    const listed = (await gw.cli(['device', 'list', '--json'])).json<Array<{ id: string; status: string }>>();
    expect(listed.find((d) => d.id === device.deviceId)?.status).toBe('retired');
    expect(listed.find((d) => d.id === other.deviceId)?.status).toBe('active');
    expect((await other.fetch('GET', '/v1/models')).status).toBe(200);

    const entries = (await gw.cli(['audit', 'tail', '-n', '50', '--json'])).json<Entry[]>();
    expect(entries).toContainEqual(expect.objectContaining({ type: 'device.retire', actor: `device:${device.deviceId}`, subject: 'retire@example.com' }));
    expect((await gw.cli(['audit', 'verify', '--json'])).code).toBe(0);
  });

  it('refuses a body that is not an empty object, and an unauthenticated call', async () => {
    const device = await gw.enrolledDevice('retire-body@example.com', client);
    const extra = await device.fetch('POST', '/v1/device/retire', { body: { deviceId: 'dev_someoneelse00000000' } });
    expect([extra.status, extra.errorCode]).toEqual([400, 'bad_request']);
    const anonymous = await client.raw('POST', '/v1/device/retire', { body: {} });
    expect([anonymous.status, anonymous.errorCode]).toEqual([401, 'token_invalid']);
    const listed = (await gw.cli(['device', 'list', '--json'])).json<Array<{ id: string; status: string }>>();
    expect(listed.find((d) => d.id === device.deviceId)?.status).toBe('active');
  });
});
