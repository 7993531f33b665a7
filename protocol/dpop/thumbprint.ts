import { calculateJwkThumbprint } from 'jose';
import type { EcPublicJwk } from '../schemas/common.js';

/** RFC 7638 JWK SHA-256 thumbprint (b64u), the `cnf.jkt` an access token is bound to. */
export function jwkThumbprint(jwk: EcPublicJwk): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');
}
