/**
 * Item 1's second half: after the access token expires, a call fails with token_expired and
 * succeeds after a new session. The shortest lifetime the policy allows is 30 s, so this file
 * waits that long on a real clock (it runs beside the other files).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice } from '../../helpers/pinned-client.js';

describe('gateway: access token expiry', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ policy: { tokenLifetimeSeconds: 30 } });
  });
  afterAll(() => gw?.stop());

  it('refuses an expired token with token_expired, then works after a new session', async () => {
    const device = await createTestDevice(gw.client());
    await device.enroll(await gw.invite('expiry@example.com'));
    const session = await device.session();
    expect(session.expiresIn).toBe(30);
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 31_000));
    const expired = await device.fetch('GET', '/v1/models');
    expect([expired.status, expired.errorCode]).toEqual([401, 'token_expired']);
    expect(expired.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);

    await device.session();
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);
  }, 60_000);
});
