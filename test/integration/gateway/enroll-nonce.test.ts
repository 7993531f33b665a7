/**
 * `POST /v1/enroll` answers 201 with a fresh `DPoP-Nonce` (PROTOCOL.md: any response may carry
 * one), so the client's first session goes through in ONE request, with no use_dpop_nonce round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollAttestation, createSessionAttestation } from '../../../protocol/attestation/attestation.js';
import { enrollResponse } from '../../../protocol/schemas/enroll.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, type GatewayClient } from '../../helpers/pinned-client.js';

const now = () => Math.floor(Date.now() / 1000);

describe('enrollment hands out the first DPoP nonce', () => {
  let gw: TestGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('answers 201 with DPoP-Nonce, and a session with that nonce succeeds at the first request', async () => {
    const device = await createTestDevice(client);
    const code = new URL(await gw.invite('first-nonce@example.com')).searchParams.get('code')!;
    const { nonce: challenge } = await device.challenge(code);
    const attestation = await createEnrollAttestation(device.signer, { code, nonce: challenge, iat: now(), evidence: device.evidence() });
    const enrolled = await client.raw('POST', '/v1/enroll', { body: { attestation } });
    expect(enrolled.status, enrolled.text).toBe(201);
    const nonce = enrolled.headers['dpop-nonce'];
    expect(typeof nonce).toBe('string');
    expect((nonce as string).length).toBeGreaterThan(10);

    const { deviceId } = enrollResponse.parse(enrolled.json());
    const sessionAttestation = await createSessionAttestation(device.signer, deviceId, { nonce: nonce as string, iat: now(), evidence: device.evidence() });
    const dpop = await device.proof('POST', '/v1/session', { nonce: nonce as string });
    const session = await client.raw('POST', '/v1/session', { headers: { dpop }, body: { attestation: sessionAttestation } });
    expect(session.status, session.text).toBe(200);
    expect(session.json<{ tokenType: string }>().tokenType).toBe('DPoP');
  });
});
