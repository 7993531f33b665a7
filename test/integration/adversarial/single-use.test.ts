/**
 * Issue 12, holes 6 and 7: what is meant to be used once stays used once.
 *
 *  6. A DPoP proof that was accepted before a gateway restart is refused after it (the replay
 *     cache is in memory, so the nonce key is new at every start: no old nonce verifies).
 *  7. An enrollment nonce is consumed by the first attempt, whatever its outcome: a refused bad
 *     signature leaves nothing for a second, valid attempt with the same nonce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollAttestation } from '../../../protocol/attestation/attestation.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/free-port.js';
import { createTestDevice, type GatewayClient } from '../../helpers/pinned-client.js';

const now = () => Math.floor(Date.now() / 1000);

describe('a proof used before a restart (issue 12, hole 6)', () => {
  let gw: TestGateway | undefined;
  afterAll(() => gw?.stop());

  it('is refused after the restart, while the device itself carries on after one nonce round trip', async () => {
    const port = await freePort();
    gw = await startGateway({ args: ['--listen', `127.0.0.1:${port}`] });
    const dataDir = gw.dataDir;
    const device = await gw.enrolledDevice('replay-restart@example.com');
    const token = device.accessToken!;
    const proof = await device.proof('GET', '/v1/models', { accessToken: token });
    const headers = { authorization: `DPoP ${token}`, dpop: proof };
    const first = await device.client.raw('GET', '/v1/models', { headers });
    expect(first.status, first.text).toBe(200);
    const replayed = await device.client.raw('GET', '/v1/models', { headers });
    expect(replayed.errorCode).toBe('dpop_replay');

    await gw.stop({ keepData: true });
    gw = await startGateway({ dataDir, args: ['--listen', `127.0.0.1:${port}`] });
    const client = gw.client();
    const afterRestart = await client.raw('GET', '/v1/models', { headers });
    expect(afterRestart.status, afterRestart.text).toBe(401);
    expect(afterRestart.errorCode).toBe('use_dpop_nonce');

    // The same device, with a fresh proof: one use_dpop_nonce, then served (its token still holds).
    const moved = await createTestDevice(client, { signer: device.signer, machineId: device.machineId });
    Object.assign(moved, { deviceId: device.deviceId, tester: device.tester, salt: device.salt, accessToken: token, nonce: device.nonce });
    const fresh = await moved.fetch('GET', '/v1/models');
    expect(fresh.status, fresh.text).toBe(200);
  }, 120_000);
});

describe('an enrollment nonce (issue 12, hole 7)', () => {
  let gw: TestGateway;
  let client: GatewayClient;
  beforeAll(async () => {
    gw = await startGateway({ policy: { refuseDebugger: true } });
    client = gw.client();
  });
  afterAll(() => gw?.stop());

  it('is spent by a refused attempt (bad signature): the same nonce with a valid attestation is refused', async () => {
    const device = await createTestDevice(client);
    const code = new URL(await gw.invite('nonce-once@example.com')).searchParams.get('code')!;
    const { nonce } = await device.challenge(code);
    const valid = await createEnrollAttestation(device.signer, { code, nonce, iat: now(), evidence: device.evidence() });
    const [head, payload, signature] = valid.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const bad = await client.raw('POST', '/v1/enroll', { body: { attestation: `${head}.${payload}.${flipped}` } });
    expect(bad.status, bad.text).toBe(401);
    expect(bad.errorCode).toBe('attestation_invalid');

    const again = await client.raw('POST', '/v1/enroll', { body: { attestation: await createEnrollAttestation(device.signer, { code, nonce, iat: now(), evidence: device.evidence() }) } });
    expect(again.status, again.text).toBe(401);
    expect(again.errorCode).toBe('attestation_invalid');
    expect(again.json<{ error: { message: string } }>().error.message).toMatch(/nonce/i);

    // A new challenge for the same invite works: the invite itself was not spent.
    const enrolled = await device.enroll(code);
    expect(enrolled.tester).toBe('nonce-once@example.com');
  });

  it('is spent by an attempt the policy refuses', async () => {
    const device = await createTestDevice(client);
    const code = new URL(await gw.invite('nonce-policy@example.com')).searchParams.get('code')!;
    const { nonce } = await device.challenge(code);
    const refused = await client.raw('POST', '/v1/enroll', { body: { attestation: await createEnrollAttestation(device.signer, { code, nonce, iat: now(), evidence: device.evidence({ debugger: true }) }) } });
    expect(refused.errorCode).toBe('policy_violation');
    const again = await client.raw('POST', '/v1/enroll', { body: { attestation: await createEnrollAttestation(device.signer, { code, nonce, iat: now(), evidence: device.evidence() }) } });
    expect(again.errorCode).toBe('attestation_invalid');
  });
});
