import { describe, expect, it } from 'vitest';
import {
  createEnrollAttestation,
  createSessionAttestation,
  sessionAttestationDeviceId,
  verifyEnrollAttestation,
  verifySessionAttestation,
} from '../../../protocol/attestation/attestation.js';
import { AirlockError, type ErrorCode } from '../../../protocol/errors.js';
import { decodeCompactUnverified } from '../../../protocol/jws/compact.js';
import { NOW, evidence, hs256, newSigner, signRaw, tamperSignature, unsigned } from './support.js';

const CODE = 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg';
const DEVICE = 'dev_0123456789abcdefXYZ';
const device = await newSigner();
const other = await newSigner();

async function refusedWith(code: ErrorCode, run: Promise<unknown>, message?: RegExp): Promise<void> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(error, 'accepted').toBeInstanceOf(AirlockError);
  expect((error as AirlockError).code, (error as Error).message).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

describe('enrollment attestation (PROTOCOL.md "Enrollment" step 2)', () => {
  const payload = () => ({ code: CODE, nonce: 'enroll-nonce', iat: NOW, evidence: evidence() });

  it('is created with the new device key embedded and verifies with it', async () => {
    const jws = await createEnrollAttestation(device, payload());
    expect(decodeCompactUnverified(jws).header).toEqual({ alg: 'ES256', typ: 'airlock-attest+jwt', jwk: device.publicJwk });
    const verified = await verifyEnrollAttestation(jws, { now: NOW + 30 });
    expect(verified.jwk).toEqual(device.publicJwk);
    expect(verified.payload).toEqual(payload());
  });

  it('refuses a bad signature, another key, alg none and HS256', async () => {
    const jws = await createEnrollAttestation(device, payload());
    await refusedWith('attestation_invalid', verifyEnrollAttestation(tamperSignature(jws), { now: NOW }), /signature/);
    const header = { alg: 'ES256', typ: 'airlock-attest+jwt', jwk: device.publicJwk };
    await refusedWith('attestation_invalid', verifyEnrollAttestation(await signRaw(header, payload(), other), { now: NOW }), /signature/);
    await refusedWith('attestation_invalid', verifyEnrollAttestation(unsigned({ ...header, alg: 'none' }, payload()), { now: NOW }), /header/);
    await refusedWith('attestation_invalid', verifyEnrollAttestation(hs256({ ...header, alg: 'HS256' }, payload(), 'k'), { now: NOW }), /header/);
    await refusedWith('attestation_invalid', verifyEnrollAttestation('garbage', { now: NOW }), /header/);
  });

  it('refuses a stale or future iat', async () => {
    const jws = await createEnrollAttestation(device, payload());
    await refusedWith('attestation_invalid', verifyEnrollAttestation(jws, { now: NOW + 61 }), /clock/);
    await refusedWith('attestation_invalid', verifyEnrollAttestation(jws, { now: NOW - 61 }), /clock/);
  });

  it('refuses evidence with unknown fields (bad_request names the field)', async () => {
    const jws = await createEnrollAttestation(device, { ...payload(), evidence: { ...evidence(), rooted: false } as never });
    await refusedWith('bad_request', verifyEnrollAttestation(jws, { now: NOW }), /evidence/);
  });
});

describe('session attestation (PROTOCOL.md POST /v1/session)', () => {
  const payload = () => ({ nonce: 'dpop-nonce', iat: NOW, evidence: evidence() });

  it('names the device in kid and verifies with the registered key', async () => {
    const jws = await createSessionAttestation(device, DEVICE, payload());
    expect(decodeCompactUnverified(jws).header).toEqual({ alg: 'ES256', typ: 'airlock-attest+jwt', kid: DEVICE });
    expect(sessionAttestationDeviceId(jws)).toBe(DEVICE);
    expect(await verifySessionAttestation(jws, device.publicJwk, { now: NOW })).toEqual(payload());
  });

  it('refuses an attestation signed by another key than the registered one', async () => {
    const jws = await createSessionAttestation(other, DEVICE, payload());
    await refusedWith('attestation_invalid', verifySessionAttestation(jws, device.publicJwk, { now: NOW }), /registered key/);
  });

  it('refuses a header without a device kid, or with an embedded jwk', async () => {
    await refusedWith('attestation_invalid', Promise.resolve().then(() => sessionAttestationDeviceId(unsigned({ alg: 'ES256', typ: 'airlock-attest+jwt' }, payload()))));
    const withJwk = await signRaw({ alg: 'ES256', typ: 'airlock-attest+jwt', kid: DEVICE, jwk: other.publicJwk }, payload(), other);
    await refusedWith('attestation_invalid', verifySessionAttestation(withJwk, device.publicJwk, { now: NOW }), /header/);
  });

  it('refuses a stale iat and a malformed payload', async () => {
    await refusedWith('attestation_invalid', verifySessionAttestation(await createSessionAttestation(device, DEVICE, payload()), device.publicJwk, { now: NOW + 120 }), /clock/);
    const bad = await createSessionAttestation(device, DEVICE, { ...payload(), code: CODE } as never);
    await refusedWith('bad_request', verifySessionAttestation(bad, device.publicJwk, { now: NOW }));
  });
});
