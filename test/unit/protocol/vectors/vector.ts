import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The shape of protocol/vectors/*.json: one case per file, named after the spec section or
 * PROTOCOL.md rule it pins. Negative cases expect an error code; positive ones expect `valid` and
 * what verification returns. ES256 is not reproducible, so positive cases are verify-only here,
 * and the runner adds a sign-then-verify round trip with a fresh key.
 */
export const VECTORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../protocol/vectors');

const jwk = z.record(z.string(), z.string());
const expectation = z.union([
  z.strictObject({ valid: z.literal(true), result: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ error: z.string() }),
]);
const common = { title: z.string().min(10), source: z.string().min(3), expect: expectation };

export const vectorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('jwk-thumbprint'), input: z.strictObject({ jwk }) }),
  z.strictObject({
    ...common,
    kind: z.literal('dpop-proof'),
    input: z.strictObject({
      proof: z.string(),
      method: z.string(),
      url: z.string(),
      now: z.number().int(),
      iatWindow: z.number().int().optional(),
      accessToken: z.string().optional(),
      expectedJkt: z.string().optional(),
      /** When present, a nonce is required; each listed nonce gets the verdict named. */
      nonces: z.record(z.string(), z.enum(['valid', 'stale', 'invalid'])).optional(),
    }),
  }),
  z.strictObject({
    ...common,
    kind: z.literal('access-token'),
    input: z.strictObject({ token: z.string(), publicJwk: jwk, issuer: z.string(), audience: z.string(), now: z.number().int() }),
  }),
  z.strictObject({ ...common, kind: z.literal('invite-link'), input: z.strictObject({ link: z.string() }) }),
  z.strictObject({ ...common, kind: z.literal('spki-pin'), input: z.strictObject({ certificatePem: z.string() }) }),
  z.strictObject({ ...common, kind: z.literal('enroll-attestation'), input: z.strictObject({ attestation: z.string(), now: z.number().int() }) }),
  z.strictObject({
    ...common,
    kind: z.literal('session-attestation'),
    input: z.strictObject({ attestation: z.string(), registeredJwk: jwk, now: z.number().int() }),
  }),
]);
export type Vector = z.infer<typeof vectorSchema>;

export function loadVectors(): { file: string; vector: Vector }[] {
  return readdirSync(VECTORS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, vector: vectorSchema.parse(JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8'))) }));
}
