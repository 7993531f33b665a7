/**
 * The DPoP proof's header and claims checked by hand first (gateway/auth/proof-verifier.ts parses
 * every proof's claims on every call), with the zod schemas of protocol/schemas/dpop.ts as the
 * single source: anything the hand check does not certainly accept goes to zod, which accepts it
 * or words the refusal (protocol/schemas/fast-path.ts). test/unit/gateway/proof-fast-path.test.ts
 * runs both over the same vectors.
 */
import { isB64u } from '../../protocol/encoding.js';
import { isJsonObject, isSafeIntegerFrom, isStringWithin, withFastPath } from '../../protocol/schemas/fast-path.js';
import { dpopHeader, dpopPayload, httpMethod, type DpopHeader, type DpopPayload } from '../../protocol/schemas/dpop.js';

const METHODS: ReadonlySet<unknown> = new Set(httpMethod.options);

/** `b64u` of protocol/schemas/common.ts: at most 8192 characters of unpadded base64url. */
function isB64uWithin(value: unknown, min: number, max: number): value is string {
  return isStringWithin(value, min, max) && isB64u(value);
}

function isPublicJwk(jwk: unknown): boolean {
  if (!isJsonObject(jwk)) return false;
  let required = 0;
  for (const key of Object.keys(jwk)) {
    const value = jwk[key];
    switch (key) {
      case 'kty': if (value !== 'EC') return false; required++; break;
      case 'crv': if (value !== 'P-256') return false; required++; break;
      case 'x':
      case 'y': if (!isB64uWithin(value, 43, 43)) return false; required++; break;
      case 'alg': if (value !== 'ES256') return false; break;
      case 'use': if (value !== 'sig') return false; break;
      case 'kid': if (!isStringWithin(value, 0, 128)) return false; break;
      default: return false;
    }
  }
  return required === 4;
}

function isPlainHeader(value: unknown): value is DpopHeader {
  if (!isJsonObject(value)) return false;
  let required = 0;
  for (const key of Object.keys(value)) {
    const field = value[key];
    switch (key) {
      case 'typ': if (field !== 'dpop+jwt') return false; break;
      case 'alg': if (field !== 'ES256') return false; break;
      case 'jwk': if (!isPublicJwk(field)) return false; break;
      default: return false;
    }
    required++;
  }
  return required === 3;
}

function isPlainPayload(value: unknown): value is DpopPayload {
  if (!isJsonObject(value)) return false;
  let required = 0;
  for (const key of Object.keys(value)) {
    const field = value[key];
    switch (key) {
      case 'jti': if (!isStringWithin(field, 16, 128)) return false; required++; break;
      case 'htm': if (!METHODS.has(field)) return false; required++; break;
      case 'htu': if (!isStringWithin(field, 0, 2048)) return false; required++; break;
      case 'iat': if (!isSafeIntegerFrom(field, 0)) return false; required++; break;
      case 'nonce': if (!isStringWithin(field, 1, 512)) return false; break;
      case 'ath': if (!isB64uWithin(field, 0, 8192)) return false; break;
      default: return false;
    }
  }
  return required === 4;
}

export const dpopHeaderFast = withFastPath(dpopHeader, isPlainHeader);
export const dpopPayloadFast = withFastPath(dpopPayload, isPlainPayload);
