/**
 * Issue 19: the device key in a DPoP proof's header is imported once (a cached KeyObject), not on
 * every call, and each signature is checked by one `crypto.verify` over raw r‖s
 * (`dsaEncoding: 'ieee-p1363'`) with that KeyObject; a tampered proof is still refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createDpopProof } from '../../../protocol/dpop/create-proof.js';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, createPublicKey: vi.fn(actual.createPublicKey), verify: vi.fn(actual.verify) };
});
const { createProofVerifier } = await import('../../../gateway/auth/proof-verifier.js');

const NOW = 1_900_000_000;
const URL_ = 'https://gw.example:8443/v1/chat/completions';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln';
const options = {
  method: 'POST',
  url: URL_,
  now: NOW,
  iatWindow: 60,
  checkNonce: () => 'valid' as const,
  accessToken: TOKEN,
};

describe('the proof verifier imports each device key once', () => {
  beforeEach(() => {
    // (A block: a function returned from beforeEach would be run as its teardown.)
    vi.mocked(crypto.createPublicKey).mockClear();
  });

  it('one import per key, one ieee-p1363 verify per call with the cached KeyObject', async () => {
    const verifyProof = createProofVerifier();
    const devices = [await generateEphemeralSigner(), await generateEphemeralSigner()];
    const jkts = await Promise.all(devices.map(async (d) => (await verifyProof(await createDpopProof(d, { htm: 'POST', url: URL_, now: NOW, random: new Uint8Array(randomBytes(16)), nonce: 'n', accessToken: TOKEN }), options)).jkt));
    vi.mocked(crypto.createPublicKey).mockClear();
    vi.mocked(crypto.verify).mockClear();
    for (let i = 0; i < 50; i++) {
      for (const [d, device] of devices.entries()) {
        const proof = await createDpopProof(device, { htm: 'POST', url: URL_, now: NOW, random: new Uint8Array(randomBytes(16)), nonce: 'n', accessToken: TOKEN });
        const verified = await verifyProof(proof, { ...options, expectedJkt: jkts[d]! });
        expect(verified.jkt).toBe(jkts[d]);
      }
    }
    expect(crypto.createPublicKey).not.toHaveBeenCalled();
    expect(crypto.verify).toHaveBeenCalledTimes(100);
    const keys = new Set<unknown>();
    for (const [algorithm, , key] of vi.mocked(crypto.verify).mock.calls) {
      expect(algorithm).toBe('sha256');
      expect(key).toMatchObject({ dsaEncoding: 'ieee-p1363' });
      const keyObject = (key as { key: unknown }).key;
      expect(keyObject).toBeInstanceOf(crypto.KeyObject);
      keys.add(keyObject);
    }
    expect(keys.size).toBe(2);
  });

  it('a new key is imported once, and a forged signature under a cached key is still refused', async () => {
    const verifyProof = createProofVerifier();
    const device = await generateEphemeralSigner();
    const make = () => createDpopProof(device, { htm: 'POST', url: URL_, now: NOW, random: new Uint8Array(randomBytes(16)), nonce: 'n', accessToken: TOKEN });
    await verifyProof(await make(), options);
    await verifyProof(await make(), options);
    expect(crypto.createPublicKey).toHaveBeenCalledTimes(1);
    const [h, p, s] = (await make()).split('.') as [string, string, string];
    const forged = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await expect(verifyProof(forged, options)).rejects.toMatchObject({ code: 'dpop_invalid' });
    const otherClaims = Buffer.from(JSON.stringify({ jti: 'x'.repeat(22), htm: 'POST', htu: URL_, iat: NOW, nonce: 'n', ath: createHash('sha256').update(TOKEN).digest('base64url') })).toString('base64url');
    await expect(verifyProof(`${h}.${otherClaims}.${s}`, options)).rejects.toMatchObject({ code: 'dpop_invalid' });
  });
});
