import { z } from 'zod';
import { b64u, compactJws, deviceId, email, epochSeconds, httpsOrigin } from './common.js';
import { evidence } from './evidence.js';

export const sessionRequest = z.strictObject({ attestation: compactJws });
export const sessionResponse = z.strictObject({
  accessToken: compactJws,
  tokenType: z.literal('DPoP'),
  expiresIn: z.number().int().positive(),
});

export const sessionAttestationHeader = z.strictObject({
  alg: z.literal('ES256'),
  typ: z.literal('airlock-attest+jwt'),
  kid: deviceId,
});
export const sessionAttestationPayload = z.strictObject({
  nonce: b64u,
  iat: epochSeconds,
  evidence,
  /**
   * TPM devices only (PROTOCOL.md, "TPM-bound device keys"): RFC 7638 thumbprint of the in-memory
   * session key that signs this request's proof and every proof of the session.
   */
  sessionJkt: b64u.refine((v) => v.length === 43, 'must be a SHA-256 thumbprint').optional(),
});

/** Claims of the gateway's access token (PROTOCOL.md, "Sessions"). */
export const accessTokenClaims = z.strictObject({
  iss: httpsOrigin,
  aud: httpsOrigin,
  sub: deviceId,
  tester: email,
  exp: epochSeconds,
  iat: epochSeconds,
  jti: b64u.min(16),
  cnf: z.strictObject({ jkt: b64u.refine((v) => v.length === 43, 'must be a SHA-256 thumbprint') }),
});
export const accessTokenHeader = z.strictObject({
  alg: z.literal('ES256'),
  typ: z.literal('at+jwt'),
  kid: z.string().max(128).optional(),
});

export type SessionRequest = z.infer<typeof sessionRequest>;
export type SessionResponse = z.infer<typeof sessionResponse>;
export type SessionAttestationPayload = z.infer<typeof sessionAttestationPayload>;
export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;
