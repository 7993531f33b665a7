import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createEnrollAttestation,
  createSessionAttestation,
  verifyEnrollAttestation,
  verifySessionAttestation,
} from '../../../protocol/attestation/attestation.js';
import { createDpopProof } from '../../../protocol/dpop/create-proof.js';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { verifyDpopProof, type NonceCheck } from '../../../protocol/dpop/verify-proof.js';
import { isAirlockError } from '../../../protocol/errors.js';
import { decodeCompactUnverified } from '../../../protocol/jws/compact.js';
import { formatInviteLink, parseInviteLink } from '../../../protocol/invite/link.js';
import { pinFromCertificate } from '../../../protocol/pin/spki.js';
import { dpopPayload } from '../../../protocol/schemas/dpop.js';
import { ecPublicJwk } from '../../../protocol/schemas/common.js';
import { accessTokenClaims } from '../../../protocol/schemas/session.js';
import { createAccessTokenVerifier, signAccessToken } from '../../../protocol/token/access-token.js';
import { newSigner, random } from './support.js';
import { loadVectors, type Vector } from './vectors/vector.js';
import { X509Certificate, createHash } from 'node:crypto';

/**
 * Runs every protocol/vectors/*.json. Positive vectors are verified as published, then the same
 * inputs are signed with a fresh key and verified again (ES256 signatures are not reproducible).
 */
const vectors = loadVectors();

type Outcome = { valid: true; result: Record<string, unknown> } | { error: string };

async function outcome(run: () => Promise<Record<string, unknown>>): Promise<Outcome> {
  try {
    return { valid: true, result: await run() };
  } catch (error) {
    if (isAirlockError(error)) return { error: error.code };
    throw error;
  }
}

function nonceCheck(nonces: Record<string, NonceCheck> | undefined): ((n: string) => NonceCheck) | undefined {
  return nonces === undefined ? undefined : (n) => nonces[n] ?? 'invalid';
}

async function run(vector: Vector): Promise<Outcome> {
  switch (vector.kind) {
    case 'jwk-thumbprint': {
      const { jwk } = vector.input;
      // Our helper takes P-256 keys only; other key types go straight to jose (RFC 7638 §3.2 members).
      const parsed = ecPublicJwk.safeParse(jwk);
      const thumbprint = parsed.success ? await jwkThumbprint(parsed.data) : await calculateJwkThumbprint(jwk as JWK, 'sha256');
      return { valid: true, result: { thumbprint } };
    }
    case 'dpop-proof': {
      const i = vector.input;
      return outcome(async () => {
        const v = await verifyDpopProof(i.proof, {
          method: i.method,
          url: i.url,
          now: i.now,
          ...(i.iatWindow === undefined ? {} : { iatWindow: i.iatWindow }),
          ...(i.accessToken === undefined ? {} : { accessToken: i.accessToken }),
          ...(i.expectedJkt === undefined ? {} : { expectedJkt: i.expectedJkt }),
          ...(i.nonces === undefined ? {} : { checkNonce: nonceCheck(i.nonces)! }),
        });
        return { jkt: v.jkt, jti: v.jti, htm: v.payload.htm, htu: v.payload.htu, iat: v.iat };
      });
    }
    case 'access-token': {
      const i = vector.input;
      const verifier = createAccessTokenVerifier({ publicJwk: ecPublicJwk.parse(i.publicJwk), issuer: i.issuer, audience: i.audience });
      return outcome(async () => ({ ...(await verifier.verify(i.token, i.now)) }));
    }
    case 'invite-link':
      return outcome(async () => ({ ...parseInviteLink(vector.input.link) }));
    case 'spki-pin':
      return outcome(async () => ({ pin: await pinFromCertificate(vector.input.certificatePem) }));
    case 'enroll-attestation':
      return outcome(async () => ({ ...(await verifyEnrollAttestation(vector.input.attestation, { now: vector.input.now })) }));
    case 'session-attestation':
      return outcome(async () => ({
        payload: await verifySessionAttestation(vector.input.attestation, ecPublicJwk.parse(vector.input.registeredJwk), { now: vector.input.now }),
      }));
  }
}

/** Signs the positive vector's inputs afresh and verifies them the same way. */
async function roundTrip(vector: Vector): Promise<void> {
  const signer = await newSigner();
  switch (vector.kind) {
    case 'dpop-proof': {
      const i = vector.input;
      const claims = dpopPayload.parse(decodeCompactUnverified(i.proof).payload);
      const proof = await createDpopProof(signer, {
        htm: claims.htm,
        url: claims.htu,
        now: claims.iat,
        random: random(),
        ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
        ...(i.accessToken === undefined ? {} : { accessToken: i.accessToken }),
      });
      const jkt = await jwkThumbprint(signer.publicJwk);
      const verified = await verifyDpopProof(proof, {
        method: i.method,
        url: i.url,
        now: i.now,
        ...(i.accessToken === undefined ? {} : { accessToken: i.accessToken }),
        ...(i.expectedJkt === undefined ? {} : { expectedJkt: jkt }),
        ...(i.nonces === undefined ? {} : { checkNonce: nonceCheck(i.nonces)! }),
      });
      expect(verified.jkt).toBe(jkt);
      return;
    }
    case 'access-token': {
      const i = vector.input;
      const claims = accessTokenClaims.parse(decodeCompactUnverified(i.token).payload);
      const token = await signAccessToken(signer, claims);
      const verifier = createAccessTokenVerifier({ publicJwk: signer.publicJwk, issuer: i.issuer, audience: i.audience });
      expect(await verifier.verify(token, i.now)).toEqual(claims);
      return;
    }
    case 'invite-link': {
      const parsed = parseInviteLink(vector.input.link);
      expect(parseInviteLink(formatInviteLink(parsed))).toEqual(parsed);
      return;
    }
    case 'enroll-attestation': {
      const { payload } = await verifyEnrollAttestation(vector.input.attestation, { now: vector.input.now });
      const again = await verifyEnrollAttestation(await createEnrollAttestation(signer, payload), { now: vector.input.now });
      expect(again.jwk).toEqual(signer.publicJwk);
      expect(again.payload).toEqual(payload);
      return;
    }
    case 'session-attestation': {
      const payload = await verifySessionAttestation(vector.input.attestation, ecPublicJwk.parse(vector.input.registeredJwk), { now: vector.input.now });
      const kid = (decodeCompactUnverified(vector.input.attestation).header as { kid: string }).kid;
      expect(await verifySessionAttestation(await createSessionAttestation(signer, kid, payload), signer.publicJwk, { now: vector.input.now })).toEqual(payload);
      return;
    }
    case 'spki-pin': {
      // The independent computation: node:crypto's SPKI export of the same certificate.
      const spki = new X509Certificate(vector.input.certificatePem).publicKey.export({ type: 'spki', format: 'der' });
      expect(`sha256/${createHash('sha256').update(spki).digest('base64')}`).toBe(await pinFromCertificate(vector.input.certificatePem));
      return;
    }
    case 'jwk-thumbprint':
      return;
  }
}

describe('protocol/vectors', () => {
  it('has the cases the spec and PROTOCOL.md pin', () => {
    const names = vectors.map((v) => v.file);
    for (const required of [
      'rfc7638-3.1-thumbprint.json',
      'rfc9449-4.1-example-proof.json',
      'dpop-ath-mismatch.json',
      'dpop-alg-none.json',
      'dpop-alg-hs256.json',
      'dpop-jwk-private-key.json',
      'dpop-nonce-stale.json',
      'dpop-wrong-key-for-jkt.json',
      'token-expired.json',
      'invite-link-backup-pin.json',
      'spki-pin-ca-certificate.json',
    ]) {
      expect(names).toContain(required);
    }
    expect(vectors.length).toBeGreaterThanOrEqual(30);
  });

  it.each(vectors.map((v) => [v.file, v.vector] as const))('%s', async (_file, vector) => {
    const got = await run(vector);
    if ('error' in vector.expect) {
      expect(got).toEqual({ error: vector.expect.error });
      return;
    }
    expect(got, JSON.stringify(got)).toHaveProperty('valid', true);
    if (vector.expect.result) expect((got as { result: Record<string, unknown> }).result).toMatchObject(vector.expect.result);
    await roundTrip(vector);
  });
});

describe('RFC 9449 §4.1 example proof, read with our schemas', () => {
  const rfc = vectors.find((v) => v.file === 'rfc9449-4.1-example-proof.json')!.vector;
  const proof = (rfc.input as { proof: string }).proof;

  it('has the header and claims of Figure 4', () => {
    const { header, payload } = decodeCompactUnverified(proof) as { header: Record<string, unknown>; payload: Record<string, unknown> };
    expect(header).toEqual({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs', y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA', crv: 'P-256' },
    });
    expect(payload).toEqual({ jti: '-BwC3ESc6acc2lTc', htm: 'POST', htu: 'https://server.example.com/token', iat: 1_562_262_616 });
    expect(dpopPayload.safeParse(payload).success).toBe(true);
  });
});
