import { webcrypto } from 'node:crypto';
import { jwkThumbprint } from '../../../protocol/dpop/thumbprint.js';
import { publicJwkOf, signerFromCryptoKey, type Es256Signer } from '../../../protocol/jws/signer.js';

export interface SessionKey {
  signer: Es256Signer;
  /** RFC 7638 thumbprint of its public key: the attestation's `sessionJkt`, the token's `cnf.jkt`. */
  jkt: string;
}

/**
 * A fresh ES256 key for one session of a TPM device (PROTOCOL.md "TPM-bound device keys"): made
 * non-extractable, so its private part cannot be exported even by this process, held only in
 * memory by the session that made it and dropped with it; never written anywhere.
 */
export async function createSessionKey(): Promise<SessionKey> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const publicJwk = publicJwkOf(await webcrypto.subtle.exportKey('jwk', pair.publicKey));
  return { signer: signerFromCryptoKey(pair.privateKey, publicJwk), jkt: await jwkThumbprint(publicJwk) };
}
