import { describe, expect, it } from 'vitest';
import { AirlockError, type ErrorCode } from '../../../protocol/errors.js';
import { createAccessTokenVerifier, signAccessToken } from '../../../protocol/token/access-token.js';
import type { AccessTokenClaims } from '../../../protocol/schemas/session.js';
import { NOW, hs256, newSigner, signRaw, tamperSignature, unsigned } from './support.js';

const ORIGIN = 'https://gw.example:8443';
const gatewayKey = await newSigner();
const otherKey = await newSigner();

function claims(extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: ORIGIN,
    aud: ORIGIN,
    sub: 'dev_0123456789abcdefXYZ',
    tester: 'ada@example.com',
    iat: NOW,
    exp: NOW + 900,
    jti: 'abcdefghijklmnopqrstuv',
    cnf: { jkt: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg' },
    ...extra,
  };
}

function verifier() {
  return createAccessTokenVerifier({ publicJwk: gatewayKey.publicJwk, issuer: ORIGIN, audience: ORIGIN });
}

async function refusedWith(code: ErrorCode, run: Promise<unknown>): Promise<void> {
  const error = await run.then(() => undefined, (e: unknown) => e);
  expect(error, 'accepted').toBeInstanceOf(AirlockError);
  expect((error as AirlockError).code, (error as Error).message).toBe(code);
}

describe('access token (PROTOCOL.md "Sessions")', () => {
  it('signs {alg: ES256, typ: at+jwt} and verifies its claims', async () => {
    const token = await signAccessToken(gatewayKey, claims(), 'k1');
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as unknown;
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
    expect(await verifier().verify(token, NOW + 1)).toEqual(claims());
  });

  it('answers token_expired at and after exp, also for a token verified (and cached) before', async () => {
    const v = verifier();
    const token = await signAccessToken(gatewayKey, claims());
    await v.verify(token, NOW);
    await refusedWith('token_expired', v.verify(token, NOW + 900));
    await refusedWith('token_expired', verifier().verify(token, NOW + 10_000));
  });

  it('refuses a token of another issuer or audience', async () => {
    await refusedWith('token_invalid', verifier().verify(await signAccessToken(gatewayKey, claims({ iss: 'https://other.example' })), NOW));
    await refusedWith('token_invalid', verifier().verify(await signAccessToken(gatewayKey, claims({ aud: 'https://other.example' })), NOW));
  });

  it('refuses a token signed by another key, or tampered with', async () => {
    await refusedWith('token_invalid', verifier().verify(await signAccessToken(otherKey, claims()), NOW));
    await refusedWith('token_invalid', verifier().verify(tamperSignature(await signAccessToken(gatewayKey, claims())), NOW));
  });

  it('refuses alg none and HS256 (even keyed with the public key)', async () => {
    await refusedWith('token_invalid', verifier().verify(unsigned({ alg: 'none', typ: 'at+jwt' }, claims()), NOW));
    await refusedWith('token_invalid', verifier().verify(hs256({ alg: 'HS256', typ: 'at+jwt' }, claims(), JSON.stringify(gatewayKey.publicJwk)), NOW));
  });

  it('refuses another typ (a DPoP proof or an attestation is not a token) and extra claims', async () => {
    await refusedWith('token_invalid', verifier().verify(await signRaw({ alg: 'ES256', typ: 'dpop+jwt' }, claims(), gatewayKey), NOW));
    await refusedWith('token_invalid', verifier().verify(await signRaw({ alg: 'ES256', typ: 'at+jwt' }, { ...claims(), admin: true }, gatewayKey), NOW));
    await refusedWith('token_invalid', verifier().verify('not.a.token', NOW));
  });

  it('caches verified claims but never a refusal, and stays bounded', async () => {
    const v = createAccessTokenVerifier({ publicJwk: gatewayKey.publicJwk, issuer: ORIGIN, audience: ORIGIN, maxCached: 2 });
    const forged = await signAccessToken(otherKey, claims());
    await refusedWith('token_invalid', v.verify(forged, NOW));
    await refusedWith('token_invalid', v.verify(forged, NOW));
    const tokens = await Promise.all([1, 2, 3].map((i) => signAccessToken(gatewayKey, claims({ jti: `abcdefghijklmnop_${i}` }))));
    for (const token of tokens) expect((await v.verify(token, NOW)).jti).toMatch(/^abcdefghijklmnop/);
    // Evicted or not, each still verifies on its own signature.
    for (const token of tokens) await v.verify(token, NOW);
  });
});
