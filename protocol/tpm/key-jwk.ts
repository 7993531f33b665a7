import { b64uEncode } from '../encoding.js';
import type { EcPublicJwk } from '../schemas/common.js';
import { TPM_ECC_NIST_P256 } from './constants.js';
import type { TpmPublic } from './public-area.js';

/** The JWK of a TPM ECC NIST P-256 key (coordinates left-padded to 32 bytes); null for any other key. */
export function p256JwkOfTpmPublic(pub: TpmPublic): EcPublicJwk | null {
  if (pub.key.kind !== 'ecc' || pub.key.curve !== TPM_ECC_NIST_P256) return null;
  const { x, y } = pub.key;
  if (x.length > 32 || y.length > 32) return null;
  const pad = (v: Uint8Array) => {
    const out = new Uint8Array(32);
    out.set(v, 32 - v.length);
    return out;
  };
  return { kty: 'EC', crv: 'P-256', x: b64uEncode(pad(x)), y: b64uEncode(pad(y)) };
}
