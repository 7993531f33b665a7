/**
 * TPM devices' sessions (PROTOCOL.md "TPM-bound device keys"): the device key signs the session
 * attestation with `sessionJkt`; the session request's proof and every proof under its token are
 * signed by a fresh in-memory session key; a new session makes a new key; the key cannot be
 * exported and goes with the session.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { b64uEncode } from '../../../protocol/encoding.js';
import { decodeCompactUnverified, verifyCompactEs256 } from '../../../protocol/jws/compact.js';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import type { EcPublicJwk } from '../../../protocol/schemas/common.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { createDpopClient } from '../../../main/core/session/dpop-client.js';
import { createSessionKey, type SessionKey } from '../../../main/core/session/session-key.js';
import { createSession } from '../../../main/core/session/session.js';
import { fakeHttp } from './support/fake-http.js';
import { memoryLogger } from './support/memory-logger.js';

const ORIGIN = 'https://gw.test:8443';
const EVIDENCE: Evidence = { platform: 'linux', osRelease: 'Debian 12', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false, machineIdHash: b64uEncode(new Uint8Array(32)), diskEncryption: 'off', debugger: false, keyStorage: 'tpm' };
const TOKEN = (n: number) => `eyJhbGciOiJFUzI1NiJ9.eyJuIjo${n}fQ.c2lnbmF0dXJl`;

const proofJwk = (proof: string) => (decodeCompactUnverified(proof).header as { jwk: EcPublicJwk }).jwk;

async function setup(withSessionKeys: boolean) {
  const device = await generateEphemeralSigner();
  let now = 1_700_000_000_000;
  const clock = { now: () => now, setTimeout: () => ({ cancel() {} }), advance: (ms: number) => void (now += ms) };
  let sessions = 0;
  const http = fakeHttp(ORIGIN, (req) => {
    if (req.path === '/v1/session') return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2Ux' }, json: { accessToken: TOKEN(++sessions), tokenType: 'DPoP', expiresIn: 60 } };
    return { status: 200, json: { object: 'list', data: [] } };
  });
  const made: SessionKey[] = [];
  const random = (len: number) => webcrypto.getRandomValues(new Uint8Array(len));
  const dpop = createDpopClient({ http, signer: () => device, clock, random });
  const session = createSession({
    dpop,
    deviceId: 'dev_0123456789abcdefXYZ',
    signer: device,
    salt: 'c2FsdA',
    collect: async () => EVIDENCE,
    clock,
    random,
    logger: memoryLogger(),
    onRevoked: () => undefined,
    ...(withSessionKeys
      ? {
          sessionKey: async () => {
            const key = await createSessionKey();
            made.push(key);
            return key;
          },
        }
      : {}),
  });
  return { device, clock, http, session, made };
}

describe('TPM session keys', () => {
  it('the device key signs sessionJkt; the session key signs the session request\'s proof and every later proof', async () => {
    const { device, http, session, made } = await setup(true);
    await session.call({ method: 'GET', path: '/v1/models' });
    await session.call({ method: 'GET', path: '/v1/models' });
    expect(made).toHaveLength(1);
    const key = made[0]!;
    const [start, first, second] = http.requests;
    const attestation = JSON.parse(start!.body!).attestation as string;
    // Signed by the device (TPM) key, over the session key's thumbprint.
    const verified = await verifyCompactEs256(attestation, device.publicJwk);
    expect((verified.payload as { sessionJkt: string }).sessionJkt).toBe(key.jkt);
    expect(key.jkt).toBe(await jwkThumbprint(key.signer.publicJwk));
    // Every proof, from the session request on, is the session key's, never the device key's.
    for (const request of [start, first, second]) expect(proofJwk(request!.headers!.dpop!)).toEqual(key.signer.publicJwk);
    expect(proofJwk(first!.headers!.dpop!)).not.toEqual(device.publicJwk);
  });

  it('a new session (renewal) makes a new session key, and the new token\'s proofs use it', async () => {
    const { http, session, made, clock } = await setup(true);
    await session.call({ method: 'GET', path: '/v1/models' });
    clock.advance(61_000);
    await session.call({ method: 'GET', path: '/v1/models' });
    expect(made).toHaveLength(2);
    expect(made[0]!.jkt).not.toBe(made[1]!.jkt);
    const last = http.requests.at(-1)!;
    expect(last.headers!.authorization).toBe(`DPoP ${TOKEN(2)}`);
    expect(proofJwk(last.headers!.dpop!)).toEqual(made[1]!.signer.publicJwk);
  });

  it('keychain devices are unchanged: no sessionJkt, the device key signs the proofs', async () => {
    const { device, http, session } = await setup(false);
    await session.call({ method: 'GET', path: '/v1/models' });
    const attestation = JSON.parse(http.requests[0]!.body!).attestation as string;
    expect(decodeCompactUnverified(attestation).payload).not.toHaveProperty('sessionJkt');
    for (const request of http.requests) expect(proofJwk(request.headers!.dpop!)).toEqual(device.publicJwk);
  });

  it('the session key cannot be exported, and is gone with the session', async () => {
    const generate = vi.spyOn(webcrypto.subtle, 'generateKey');
    const key = await createSessionKey();
    const made = generate.mock.results[0]!.value as Promise<CryptoKeyPair>;
    const extractable = generate.mock.calls[0]![1];
    generate.mockRestore();
    // Made non-extractable: not even this process can export the private key.
    expect(extractable).toBe(false);
    await expect(webcrypto.subtle.exportKey('jwk', (await made).privateKey)).rejects.toThrow();
    // What the session holds exposes only the public key and a sign function.
    expect(Object.keys(key.signer).sort()).toEqual(['publicJwk', 'sign']);
    const { session, made: keys, http } = await setup(true);
    await session.call({ method: 'GET', path: '/v1/models' });
    session.stop();
    await expect(session.call({ method: 'GET', path: '/v1/models' })).rejects.toThrow(/session has ended/);
    expect(keys).toHaveLength(1);
    expect(http.requests).toHaveLength(2);
  });
});
