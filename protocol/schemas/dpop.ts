import { z } from 'zod';
import { b64u, ecPublicJwk, epochSeconds } from './common.js';

export const dpopHeader = z.strictObject({
  typ: z.literal('dpop+jwt'),
  alg: z.literal('ES256'),
  jwk: ecPublicJwk,
});
export const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
export const dpopPayload = z.strictObject({
  jti: z.string().min(16).max(128),
  htm: httpMethod,
  htu: z.string().max(2048),
  iat: epochSeconds,
  // Opaque to the client (RFC 9449 §8): any nonce the gateway did not issue, whatever its shape, is
  // judged by the nonce check and answered with use_dpop_nonce, so the client can retry with a fresh one.
  nonce: z.string().min(1).max(512).optional(),
  ath: b64u.optional(),
});
export type DpopHeader = z.infer<typeof dpopHeader>;
export type DpopPayload = z.infer<typeof dpopPayload>;

/** `DPoP <compact JWS>`: shared with the gateway's fast path (gateway/auth/proof-fast-path.ts). */
export const DPOP_AUTHORIZATION = /^DPoP [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** `Authorization: DPoP <token>`; `Bearer` and anything else are refused. */
export const authorizationHeader = z.string().regex(DPOP_AUTHORIZATION);
