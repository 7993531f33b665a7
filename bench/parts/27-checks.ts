/**
 * Issue 19: what the per-call checks cost on the CPU, each beside the way it was done before, in
 * one run (µs per call, the median of 7 rounds of 5,000 after a warm-up):
 *  - the chat body: the hand-checked fast path against `chatCompletionRequest.safeParse` (zod);
 *  - the proof's claims: the fast path against `dpopPayload.safeParse`;
 *  - the ES256 signature: `crypto.verify` (ieee-p1363) with the device's cached KeyObject against
 *    importing the JWK on every call;
 *  - the whole proof check (gateway/auth/proof-verifier.ts) of a fresh proof, nonce and ath included.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { BenchRow } from '../run.js';
import { medianMicrosPerCall, microsBesideBefore } from '../stats.js';
import { chatCompletionRequest } from '../../protocol/schemas/chat.js';
import { dpopPayload } from '../../protocol/schemas/dpop.js';
import { createDpopProof } from '../../protocol/dpop/create-proof.js';
import { generateEphemeralSigner } from '../../protocol/jws/signer.js';
import { chatRequestFast } from '../../gateway/model/chat-body-fast-path.js';
import { dpopPayloadFast } from '../../gateway/auth/proof-fast-path.js';
import { createProofVerifier } from '../../gateway/auth/proof-verifier.js';

const ROUNDS = 7;
const PER_ROUND = 5_000;
const BODY = '{"model":"test-chat","stream":true,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"bench"}],"temperature":0.7,"max_tokens":256}';
const URL_ = 'https://127.0.0.1:8443/v1/chat/completions';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln';

/** Median µs per call (bench/stats.ts), with this part's rounds. */
function measure<T>(make: (i: number) => T, run: (input: T) => unknown): number {
  return medianMicrosPerCall(make, run, ROUNDS, PER_ROUND);
}

export default async function checksBench(log: (line: string) => void): Promise<BenchRow[]> {
  const signer = await generateEphemeralSigner();
  const ok = (parsed: { success: boolean }) => {
    if (!parsed.success) throw new Error('a valid input was refused');
  };
  const body = () => JSON.parse(BODY) as unknown;
  const chatFast = measure(body, (b) => ok(chatRequestFast.safeParse(b)));
  const chatZod = measure(body, (b) => ok(chatCompletionRequest.safeParse(b)));

  const proofs = await Promise.all(Array.from({ length: PER_ROUND }, () => createDpopProof(signer, { htm: 'POST', url: URL_, now: Date.now() / 1000, random: new Uint8Array(randomBytes(16)), nonce: 'n'.repeat(43), accessToken: TOKEN })));
  const claims = (i: number) => JSON.parse(Buffer.from(proofs[i]!.split('.')[1]!, 'base64url').toString('utf8')) as unknown;
  const claimsFast = measure(claims, (c) => ok(dpopPayloadFast.safeParse(c)));
  const claimsZod = measure(claims, (c) => ok(dpopPayload.safeParse(c)));

  const jwk = { kty: 'EC', crv: 'P-256', x: signer.publicJwk.x, y: signer.publicJwk.y };
  const cached = createPublicKey({ key: jwk, format: 'jwk' });
  const signed = (i: number) => {
    const [h, p, s] = proofs[i]!.split('.') as [string, string, string];
    return { data: Buffer.from(`${h}.${p}`, 'ascii'), signature: Buffer.from(s, 'base64url') };
  };
  const check = (valid: boolean) => {
    if (!valid) throw new Error('a valid signature did not verify');
  };
  const verifyCached = measure(signed, ({ data, signature }) => check(verify('sha256', data, { key: cached, dsaEncoding: 'ieee-p1363' }, signature)));
  const verifyImport = measure(signed, ({ data, signature }) => check(verify('sha256', data, { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, signature)));

  // The whole check, as the auth hook runs it (one verifier, one device key, fresh proofs).
  const verifier = createProofVerifier();
  const options = { method: 'POST', url: URL_, now: Math.floor(Date.now() / 1000), iatWindow: 60, checkNonce: () => 'valid' as const, accessToken: TOKEN };
  for (let i = 0; i < 200; i++) await verifier(proofs[i], options);
  const started = performance.now();
  for (const proof of proofs) await verifier(proof, options);
  const wholeProof = ((performance.now() - started) * 1000) / proofs.length;
  log(`checks: ${ROUNDS} rounds of ${PER_ROUND} after a warm-up; the whole proof check once over ${proofs.length} proofs`);

  const row = (name: string, value: number, before: string, beforeValue: number) => microsBesideBefore('checks per call', name, value, before, beforeValue);
  return [
    row('chat body: hand-checked fast path', chatFast, 'zod', chatZod),
    row('DPoP claims: hand-checked fast path', claimsFast, 'zod', claimsZod),
    row('ES256 verify, cached KeyObject (ieee-p1363)', verifyCached, 'importing the JWK per call', verifyImport),
    { group: 'checks per call', name: 'whole DPoP proof check (gateway/auth/proof-verifier.ts), fresh proof', value: wholeProof, unit: 'µs' },
  ];
}
