import { exportJWK, generateKeyPair } from 'jose';
import type { EcPublicJwk } from '../schemas/common.js';

/**
 * An ES256 signer whose private key the caller never sees: the device key lives in the vault,
 * the gateway's token key in its data directory. `sign` returns the raw 64-byte r‖s signature
 * JWS uses (the same IEEE P1363 form WebCrypto produces).
 */
export interface Es256Signer {
  readonly publicJwk: EcPublicJwk;
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

export function publicJwkOf(jwk: { kty?: string; crv?: string; x?: string; y?: string }): EcPublicJwk {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new TypeError('not a P-256 key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** A signer over a WebCrypto private key (tests, tools, and the gateway's token key). */
export function signerFromCryptoKey(privateKey: CryptoKey, publicJwk: EcPublicJwk): Es256Signer {
  return {
    publicJwk,
    async sign(signingInput) {
      const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, signingInput as Uint8Array<ArrayBuffer>);
      return new Uint8Array(sig);
    },
  };
}

/** A fresh in-memory ES256 signer: for tests and benchmarks, never for a device key. */
export async function generateEphemeralSigner(): Promise<Es256Signer & { privateKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = publicJwkOf(await exportJWK(publicKey));
  return { ...signerFromCryptoKey(privateKey, publicJwk), privateKey };
}
