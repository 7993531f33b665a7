import { describe, expect, it } from 'vitest';
import { createDpopProof } from '../../../protocol/dpop/create-proof.js';
import { normalizeHtu } from '../../../protocol/dpop/htu.js';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { verifyDpopProof, type VerifyProofOptions } from '../../../protocol/dpop/verify-proof.js';
import { sha256B64u } from '../../../protocol/encoding.js';
import { AirlockError, type ErrorCode } from '../../../protocol/errors.js';
import { decodeCompactUnverified } from '../../../protocol/jws/compact.js';
import { NOW, hs256, newSigner, random, signRaw, tamperSignature, unsigned } from './support.js';

const URL_ = 'https://gw.example:8443/v1/chat/completions';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln';
const signer = await newSigner();
const other = await newSigner();

function options(extra: Partial<VerifyProofOptions> = {}): VerifyProofOptions {
  return { method: 'POST', url: URL_, now: NOW, ...extra };
}

async function proof(extra: Partial<Parameters<typeof createDpopProof>[1]> = {}, by = signer): Promise<string> {
  return createDpopProof(by, { htm: 'POST', url: URL_, now: NOW, random: random(), ...extra });
}

async function refusedWith(code: ErrorCode, jws: string | undefined, opts: VerifyProofOptions, message?: RegExp): Promise<void> {
  const error = await verifyDpopProof(jws, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the proof was accepted').toBeInstanceOf(AirlockError);
  expect((error as AirlockError).code, (error as Error).message).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

const validHeader = () => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.publicJwk });
const validPayload = () => ({ jti: 'abcdefghijklmnopqrstuv', htm: 'POST', htu: URL_, iat: NOW });

describe('createDpopProof (RFC 9449 §4.2)', () => {
  it('writes the header and claims PROTOCOL.md names, with ath and nonce when given', async () => {
    const jws = await proof({ url: `${URL_}?stream=1#frag`, nonce: 'n0nce', accessToken: TOKEN });
    const { header, payload } = decodeCompactUnverified(jws) as { header: Record<string, unknown>; payload: Record<string, unknown> };
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.publicJwk });
    expect(Object.keys(payload).sort()).toEqual(['ath', 'htm', 'htu', 'iat', 'jti', 'nonce']);
    expect(payload.htu).toBe(URL_);
    expect(payload.htm).toBe('POST');
    expect(payload.iat).toBe(NOW);
    expect(payload.nonce).toBe('n0nce');
    expect(payload.ath).toBe(await sha256B64u(TOKEN));
    expect(String(payload.jti).length).toBeGreaterThanOrEqual(16);
  });

  it('gives every proof its own jti', async () => {
    const a = decodeCompactUnverified(await proof()).payload as { jti: string };
    const b = decodeCompactUnverified(await proof()).payload as { jti: string };
    expect(a.jti).not.toBe(b.jti);
  });
});

describe('verifyDpopProof accepts', () => {
  it('a fresh proof, returning the key, its thumbprint and the claims', async () => {
    const verified = await verifyDpopProof(await proof(), options());
    expect(verified.jwk).toEqual(signer.publicJwk);
    expect(verified.jkt).toBe(await jwkThumbprint(signer.publicJwk));
    expect(verified.iat).toBe(NOW);
    expect(verified.payload.htm).toBe('POST');
  });

  it('a proof with nonce, ath and the right key binding', async () => {
    const jws = await proof({ nonce: 'good', accessToken: TOKEN });
    const verified = await verifyDpopProof(jws, options({ checkNonce: (n) => (n === 'good' ? 'valid' : 'invalid'), accessToken: TOKEN, expectedJkt: await jwkThumbprint(signer.publicJwk) }));
    expect(verified.payload.nonce).toBe('good');
  });

  it('iat at the edges of the 60 s window', async () => {
    await verifyDpopProof(await proof({ now: NOW - 60 }), options());
    await verifyDpopProof(await proof({ now: NOW + 60 }), options());
  });

  it('the method in any case and the URL with query, fragment, default port and dot segments', async () => {
    await verifyDpopProof(await proof(), options({ method: 'post' }));
    await verifyDpopProof(await proof(), options({ url: `${URL_}?x=1#y` }));
    const def = await proof({ url: 'https://gw.example/v1/models', htm: 'GET' });
    await verifyDpopProof(def, options({ method: 'GET', url: 'https://GW.example:443/v1/./models' }));
  });
});

describe('verifyDpopProof refuses (each with its code)', () => {
  it('a missing or malformed DPoP header', async () => {
    await refusedWith('dpop_invalid', undefined, options(), /missing/);
    await refusedWith('dpop_invalid', '', options(), /missing/);
    await refusedWith('dpop_invalid', 'a.b', options());
    await refusedWith('dpop_invalid', '!!!.e30.sig', options());
  });

  it('alg none', async () => {
    await refusedWith('dpop_invalid', unsigned({ ...validHeader(), alg: 'none' }, validPayload()), options(), /header/);
  });

  it('HS256, even with the public key as the HMAC secret', async () => {
    const secret = JSON.stringify(signer.publicJwk);
    await refusedWith('dpop_invalid', hs256({ ...validHeader(), alg: 'HS256' }, validPayload(), secret), options(), /header/);
  });

  it('a header claiming ES256 over a signature made some other way', async () => {
    const forged = hs256(validHeader(), validPayload(), 'secret');
    await refusedWith('dpop_invalid', forged, options(), /signature/);
  });

  it('a wrong typ, or none', async () => {
    await refusedWith('dpop_invalid', await signRaw({ ...validHeader(), typ: 'JWT' }, validPayload(), signer), options(), /header/);
    const { typ: _t, ...noTyp } = validHeader();
    await refusedWith('dpop_invalid', await signRaw(noTyp, validPayload(), signer), options(), /header/);
  });

  it('a private key in the jwk', async () => {
    const { exportJWK } = await import('jose');
    const privateJwk = await exportJWK(signer.privateKey);
    await refusedWith('dpop_invalid', await signRaw({ ...validHeader(), jwk: privateJwk }, validPayload(), signer), options(), /header/);
  });

  it('a bad signature, and a valid signature by a key other than the embedded one', async () => {
    await refusedWith('dpop_invalid', tamperSignature(await proof()), options(), /signature/);
    await refusedWith('dpop_invalid', await signRaw({ ...validHeader(), jwk: other.publicJwk }, validPayload(), signer), options(), /signature/);
  });

  it('unknown or missing claims', async () => {
    await refusedWith('dpop_invalid', await signRaw(validHeader(), { ...validPayload(), exp: NOW + 60 }, signer), options(), /claims/);
    const { jti: _j, ...noJti } = validPayload();
    await refusedWith('dpop_invalid', await signRaw(validHeader(), noJti, signer), options(), /claims/);
  });

  it('htm or htu of another request', async () => {
    await refusedWith('dpop_invalid', await proof(), options({ method: 'GET' }), /htm/);
    await refusedWith('dpop_invalid', await proof(), options({ url: 'https://gw.example:8443/v1/session' }), /htu/);
    await refusedWith('dpop_invalid', await proof(), options({ url: 'https://other.example:8443/v1/chat/completions' }), /htu/);
    await refusedWith('dpop_invalid', await proof(), options({ url: 'http://gw.example:8443/v1/chat/completions' }), /htu/);
    await refusedWith('dpop_invalid', await signRaw(validHeader(), { ...validPayload(), htu: 'not a url' }, signer), options(), /htu/);
  });

  it('iat too old or in the future', async () => {
    await refusedWith('dpop_invalid', await proof({ now: NOW - 61 }), options(), /too old/);
    await refusedWith('dpop_invalid', await proof({ now: NOW + 61 }), options(), /future/);
    await refusedWith('dpop_invalid', await proof({ now: NOW - 10 }), options({ iatWindow: 5 }), /too old/);
  });

  it('a missing, stale or forged nonce with use_dpop_nonce', async () => {
    const checkNonce = (n: string) => (n === 'fresh' ? 'valid' : n === 'old' ? 'stale' : 'invalid') as 'valid' | 'stale' | 'invalid';
    await refusedWith('use_dpop_nonce', await proof(), options({ checkNonce }), /required/);
    await refusedWith('use_dpop_nonce', await proof({ nonce: 'old' }), options({ checkNonce }), /stale/);
    await refusedWith('use_dpop_nonce', await proof({ nonce: 'forged' }), options({ checkNonce }), /not one this gateway issued/);
    await verifyDpopProof(await proof({ nonce: 'fresh' }), options({ checkNonce }));
  });

  it('a nonce of a shape this gateway never issues with use_dpop_nonce, so the client can still retry', async () => {
    const checkNonce = () => 'invalid' as const;
    await refusedWith('use_dpop_nonce', await proof({ nonce: 'v1:not/base64url=' }), options({ checkNonce }));
  });

  it('ath missing or for another token', async () => {
    await refusedWith('dpop_invalid', await proof(), options({ accessToken: TOKEN }), /ath is missing/);
    await refusedWith('dpop_invalid', await proof({ accessToken: `${TOKEN}x` }), options({ accessToken: TOKEN }), /ath does not match/);
  });

  it('a proof by a key other than the one the token is bound to (cnf.jkt)', async () => {
    const jkt = await jwkThumbprint(signer.publicJwk);
    await refusedWith('dpop_invalid', await proof({ accessToken: TOKEN }, other), options({ accessToken: TOKEN, expectedJkt: jkt }), /another key|other than/);
  });
});

describe('normalizeHtu (RFC 9449 §4.3, RFC 3986 §6)', () => {
  it.each([
    ['https://gw.example/v1/models?x=1#f', 'https://gw.example/v1/models'],
    ['HTTPS://GW.Example:443/v1/models', 'https://gw.example/v1/models'],
    ['https://gw.example:8443/a/../v1/./models', 'https://gw.example:8443/v1/models'],
    ['https://gw.example', 'https://gw.example/'],
    ['http://127.0.0.1:80/x', 'http://127.0.0.1/x'],
    ['https://[::1]:8443/v1/session', 'https://[::1]:8443/v1/session'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it('refuses non-http(s) URLs and non-URLs', () => {
    expect(() => normalizeHtu('ftp://gw.example/x')).toThrow();
    expect(() => normalizeHtu('/v1/models')).toThrow();
  });
});
