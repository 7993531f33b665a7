/**
 * The DPoP proof's header and claims (and the Authorization header) checked by hand first (gateway/auth/proof-verifier.ts parses
 * every proof's claims on every call), with the zod schemas of protocol/schemas/dpop.ts as the
 * single source: anything the hand check does not certainly accept goes to zod, which accepts it
 * or words the refusal (protocol/schemas/fast-path.ts). test/unit/gateway/proof-fast-path.test.ts
 * runs both over the same vectors.
 */
import { isB64u } from '../../protocol/encoding.js';
import { hasOnlyFields, isSafeIntegerFrom, isStringWithin, withFastPath, type FieldCheck } from '../../protocol/schemas/fast-path.js';
import { authorizationHeader, DPOP_AUTHORIZATION, dpopHeader, dpopPayload, httpMethod, type DpopHeader, type DpopPayload } from '../../protocol/schemas/dpop.js';

const METHODS: ReadonlySet<unknown> = new Set(httpMethod.options);

/** `b64u` of protocol/schemas/common.ts: at most 8192 characters of unpadded base64url. */
function isB64uWithin(value: unknown, min: number, max: number): value is string {
  return isStringWithin(value, min, max) && isB64u(value);
}

const PUBLIC_JWK: Record<string, FieldCheck> = {
  kty: (v) => v === 'EC',
  crv: (v) => v === 'P-256',
  x: (v) => isB64uWithin(v, 43, 43),
  y: (v) => isB64uWithin(v, 43, 43),
  alg: (v) => v === 'ES256',
  use: (v) => v === 'sig',
  kid: (v) => isStringWithin(v, 0, 128),
};

const HEADER: Record<string, FieldCheck> = {
  typ: (v) => v === 'dpop+jwt',
  alg: (v) => v === 'ES256',
  jwk: (v) => hasOnlyFields(v, PUBLIC_JWK, ['kty', 'crv', 'x', 'y']),
};

const CLAIMS: Record<string, FieldCheck> = {
  jti: (v) => isStringWithin(v, 16, 128),
  htm: (v) => METHODS.has(v),
  htu: (v) => isStringWithin(v, 0, 2048),
  iat: (v) => isSafeIntegerFrom(v, 0),
  nonce: (v) => isStringWithin(v, 1, 512),
  ath: (v) => isB64uWithin(v, 0, 8192),
};

const isPlainHeader = (value: unknown): value is DpopHeader => hasOnlyFields(value, HEADER, ['typ', 'alg', 'jwk']);
const isPlainPayload = (value: unknown): value is DpopPayload => hasOnlyFields(value, CLAIMS, ['jti', 'htm', 'htu', 'iat']);

export const dpopHeaderFast = withFastPath(dpopHeader, isPlainHeader);
export const dpopPayloadFast = withFastPath(dpopPayload, isPlainPayload);
/** The Authorization header, checked on every call: the schema's own pattern without zod's walk around it. */
export const authorizationFast = withFastPath(authorizationHeader, (value): value is string => typeof value === 'string' && DPOP_AUTHORIZATION.test(value));
