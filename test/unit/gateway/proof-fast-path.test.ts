/**
 * Issue 19: the DPoP proof's hand-checked header and claims (gateway/auth/proof-fast-path.ts)
 * decide exactly as the zod schemas `dpopHeader` and `dpopPayload` do (same verdict, same output,
 * same issues) on valid ones and on each field missing, wrong, oversized, extra or deeply nested;
 * and the fast path is the one that accepts the usual proofs.
 */
import { describe, expect, it } from 'vitest';
import { authorizationHeader, dpopHeader, dpopPayload } from '../../../protocol/schemas/dpop.js';
import { authorizationFast, dpopHeaderFast, dpopPayloadFast } from '../../../gateway/auth/proof-fast-path.js';
import { expectAgreement, vectorsFor, VALUE_POOL } from '../../helpers/schema-vectors.js';

const X = 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU';
const Y = 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0';
const HEADER = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: X, y: Y } };
const HEADER_FULL = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: X, y: Y, alg: 'ES256', use: 'sig', kid: 'k'.repeat(128) } };
const PAYLOAD = { jti: 'abcdefghijklmnopqrstuv', htm: 'POST', htu: 'https://gw.example:8443/v1/chat/completions', iat: 1_900_000_000 };
const PAYLOAD_FULL = { ...PAYLOAD, nonce: 'n'.repeat(512), ath: 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo' };

describe('the DPoP header fast path', () => {
  it('agrees with dpopHeader on every vector', () => {
    const values = ['dpop+jwt', 'ES256', 'none', 'HS256', 'DPOP+JWT', 'EC', 'RSA', 'P-256', 'P-384', 'sig', 'enc', `${X}=`, X.slice(1), `${X}A`, X.replace('f', '+'), 'd'.repeat(43)];
    const fields = [['typ'], ['alg'], ['jwk'], ...['kty', 'crv', 'x', 'y', 'alg', 'use', 'kid', 'd'].map((key) => ['jwk', key])];
    const vectors = [...vectorsFor([HEADER, HEADER_FULL], fields, values, [[], ['jwk']]), [HEADER], 'header', null, undefined];
    expect(expectAgreement(dpopHeaderFast, dpopHeader, vectors)).toBeGreaterThan(20);
  });

  it('accepts the usual header itself', () => {
    for (const header of [HEADER, HEADER_FULL]) expect(dpopHeaderFast.safeParse(header).data).toBe(header);
  });
});

describe('the DPoP claims fast path', () => {
  it('agrees with dpopPayload on every vector', () => {
    const values = ['POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'post', 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo=', 1_900_000_000, 1.9e9 + 0.5];
    const fields = ['jti', 'htm', 'htu', 'iat', 'nonce', 'ath'].map((key) => [key]);
    const vectors = [...vectorsFor([PAYLOAD, PAYLOAD_FULL], fields, values), [PAYLOAD], 'claims', null, undefined, 42];
    expect(expectAgreement(dpopPayloadFast, dpopPayload, vectors)).toBeGreaterThan(20);
  });

  it('accepts the usual claims itself', () => {
    for (const claims of [PAYLOAD, PAYLOAD_FULL]) expect(dpopPayloadFast.safeParse(claims).data).toBe(claims);
  });
});

describe('the Authorization header fast path', () => {
  it('agrees with authorizationHeader on every vector', () => {
    const jws = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln';
    const vectors: unknown[] = [
      `DPoP ${jws}`, `DPoP a.b.c`, `Bearer ${jws}`, `dpop ${jws}`, `DPoP  ${jws}`, `DPoP ${jws} `, `DPoP ${jws}\n`, `\nDPoP ${jws}`, `DPoP ${jws}.d`,
      'DPoP a..c', 'DPoP a.b.', 'DPoP ', 'DPoP', `DPoP ${jws.replace('J', '+')}`, `DPoP ${jws.replace('J', '=')}`, `DPoP ${'a'.repeat(10_000)}.b.c`, ...VALUE_POOL,
    ];
    expect(expectAgreement(authorizationFast, authorizationHeader, vectors)).toBe(3);
  });
});
