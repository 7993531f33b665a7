/**
 * A revocation through the admin CLI is durable before it is answered, and cuts the device's live
 * connections at once: the answer's `cut` counts them, the open control channel receives
 * `revoked` with the reason and ends, and the audit log holds the admin action. Also: every
 * enrollment, session and refusal (with its code) is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventChannel } from '../../helpers/event-channel.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import type { GatewayClient } from '../../helpers/pinned-client.js';

interface Entry { type: string; actor: string; subject: string; details: Record<string, unknown> }

describe('revocation cuts live connections', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('answers device revoke with the number of connections cut, after the channel got `revoked`', async () => {
    const device = await gw.enrolledDevice('cut@example.com', client);
    await device.fetch('GET', '/v1/models'); // a current nonce

    const channel = await openEventChannel(gw.url, client, device);
    expect(channel.status).toBe(200);

    const revoked = await gw.cli(['device', 'revoke', device.deviceId!, '--reason', 'laptop stolen', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toEqual({ id: device.deviceId, status: 'revoked', cut: 1 });
    await channel.ended;
    expect(channel.text()).toMatch(/event: revoked\ndata: \{"reason":"laptop stolen"\}/);
    const res = await device.fetch('GET', '/v1/models');
    expect([res.status, res.errorCode]).toEqual([403, 'device_revoked']);
  });

  it('records enrollments, sessions, refusals with their code and admin actions in the audit log', async () => {
    const device = await gw.enrolledDevice('audited@example.com', client);
    const proof = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
    const call = () => client.raw('GET', '/v1/models', { headers: { authorization: `DPoP ${device.accessToken!}`, dpop: proof } });
    expect((await call()).status).toBe(200);
    expect((await call()).errorCode).toBe('dpop_replay');

    const entries = (await gw.cli(['audit', 'tail', '-n', '50', '--json'])).json<Entry[]>();
    const mine = entries.filter((e) => e.actor === `device:${device.deviceId}`);
    expect(mine.map((e) => e.type)).toEqual(['enrollment', 'session', 'refusal']);
    expect(mine[0]).toMatchObject({ subject: 'audited@example.com', details: { platform: 'linux', keyStorage: 'keychain' } });
    expect(mine[2]).toMatchObject({ subject: 'GET /v1/models', details: { code: 'dpop_replay' } });
    // The admin is named by their OS user (issue 13), not a fixed word.
    expect(entries).toContainEqual(expect.objectContaining({ type: 'admin.invite.create', actor: expect.stringMatching(/^admin:/), subject: 'audited@example.com' }));
    expect(entries).toContainEqual(expect.objectContaining({ type: 'admin.device.revoke', actor: expect.stringMatching(/^admin:/), details: expect.objectContaining({ reason: 'laptop stolen' }) }));
    const human = await gw.cli(['audit', 'tail', '-n', '5']);
    expect(human.stdout).toMatch(/^SEQ\s+TIME\s+TYPE\s+ACTOR\s+SUBJECT\s+DETAILS/);
  });
});
