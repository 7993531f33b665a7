/**
 * The gateway's node:crypto DPoP verifier must decide exactly as protocol/dpop/verify-proof.ts
 * does: same acceptances, same codes, same messages, case by case.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDpopProof } from '../../../protocol/dpop/create-proof.js';
import { verifyDpopProof, type VerifyProofOptions } from '../../../protocol/dpop/verify-proof.js';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { b64uEncode, utf8 } from '../../../protocol/encoding.js';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { createProofVerifier } from '../../../gateway/auth/proof-verifier.js';

const NOW = 1_900_000_000;
const URL_ = 'https://gw.example:8443/v1/models';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln';
const signer = await generateEphemeralSigner();
const other = await generateEphemeralSigner();
const part = (v: unknown) => b64uEncode(utf8(JSON.stringify(v)));
const random = () => new Uint8Array(randomBytes(16));

async function signRaw(header: unknown, payload: unknown, by = signer): Promise<string> {
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${b64uEncode(await by.sign(utf8(input)))}`;
}
const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: signer.publicJwk };
const claims = { jti: 'abcdefghijklmnopqrstuv', htm: 'GET', htu: URL_, iat: NOW, nonce: 'good', ath: createHash('sha256').update(TOKEN).digest('base64url') };
const proof = (extra: Partial<Parameters<typeof createDpopProof>[1]> = {}, by = signer) =>
  createDpopProof(by, { htm: 'GET', url: URL_, now: NOW, random: random(), nonce: 'good', accessToken: TOKEN, ...extra });

const base: VerifyProofOptions = {
  method: 'GET',
  url: URL_,
  now: NOW,
  accessToken: TOKEN,
  checkNonce: (n) => (n === 'good' ? 'valid' : n === 'old' ? 'stale' : 'invalid'),
};

const cases: [string, () => Promise<string | undefined>, Partial<VerifyProofOptions>?][] = [
  ['a valid proof', () => proof()],
  ['a valid proof with the expected key binding', () => proof(), { expectedJkt: 'SET_BELOW' }],
  ['no proof', async () => undefined],
  ['not a compact JWS', async () => 'abc.def'],
  ['a header that is not base64url JSON', async () => `!!!.${part(claims)}.AAAA`],
  ['a tampered signature', async () => { const p = await proof(); return `${p.slice(0, -4)}${p.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`; }],
  ['a signature that is not base64url', async () => { const p = await proof(); return `${p.split('.').slice(0, 2).join('.')}.!!!`; }],
  ['alg none', async () => `${part({ ...header, alg: 'none' })}.${part(claims)}.`],
  ['HS256', async () => { const i = `${part({ ...header, alg: 'HS256' })}.${part(claims)}`; return `${i}.${createHmac('sha256', 'k').update(i).digest('base64url')}`; }],
  ['typ JWT', () => signRaw({ ...header, typ: 'JWT' }, claims)],
  ['an extra header member (crit)', () => signRaw({ ...header, crit: ['exp'] }, claims)],
  ['a private key in the header', () => signRaw({ ...header, jwk: { ...signer.publicJwk, d: 'AAAA' } }, claims)],
  ['signed by a key other than the embedded one', () => signRaw(header, claims, other)],
  ['claims missing jti', () => signRaw(header, { ...claims, jti: undefined })],
  ['an unknown claim', () => signRaw(header, { ...claims, extra: 1 })],
  ['another method', () => proof({ htm: 'POST' })],
  ['another URL', () => proof({ url: 'https://gw.example:8443/v1/events' })],
  ['the URL with a query (dropped by htu)', () => proof({ url: `${URL_}?a=1` })],
  ['htu not a URL', () => signRaw(header, { ...claims, htu: 'nope' })],
  ['iat too old', () => proof({ now: NOW - 61 })],
  ['iat in the future', () => proof({ now: NOW + 61 })],
  ['no nonce', () => signRaw(header, { ...claims, nonce: undefined })],
  ['a stale nonce', () => proof({ nonce: 'old' })],
  ['a foreign nonce', () => proof({ nonce: 'forged' })],
  ['no ath', () => signRaw(header, { ...claims, ath: undefined })],
  ['ath of another token', () => proof({ accessToken: 'another.token.value' })],
  ['a key other than the token is bound to', () => proof(), { expectedJkt: 'x'.repeat(43) }],
];

// Both ways the gateway checks a signature: on the event loop, and on the thread pool under load.
describe.each([
  ['on the event loop', false],
  ['off the event loop (offloaded)', true],
])('gateway proof verifier %s = protocol verifyDpopProof', (_way, offloaded) => {
  const fast = createProofVerifier({ offload: () => offloaded });

  it.each(cases)('%s', async (_name, make, extra = {}) => {
    const jws = await make();
    const options: VerifyProofOptions = { ...base, ...extra };
    if (options.expectedJkt === 'SET_BELOW') options.expectedJkt = await jwkThumbprint(signer.publicJwk);
    const settle = (p: Promise<unknown>) => p.then(
      (v) => ({ ok: true, value: v }),
      (e: unknown) => ({ ok: false, code: (e as { code?: string }).code, message: (e as Error).message }),
    );
    const [expected, actual] = await Promise.all([settle(verifyDpopProof(jws, options)), settle(fast(jws, options))]);
    expect(actual).toEqual(expected);
  });

  it('accepts only what the protocol verifier accepts (sanity: some cases pass, most are refused)', async () => {
    let accepted = 0;
    for (const [, make, extra = {}] of cases) {
      const options: VerifyProofOptions = { ...base, ...extra };
      if (options.expectedJkt === 'SET_BELOW') options.expectedJkt = await jwkThumbprint(signer.publicJwk);
      if (await fast(await make(), options).then(() => true, () => false)) accepted++;
    }
    expect(accepted).toBe(3);
  });
});
