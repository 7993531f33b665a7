import { compactVerify, importJWK, type CryptoKey as JoseKey } from 'jose';
import { b64uDecode, b64uEncode, fromUtf8, utf8 } from '../encoding.js';
import type { EcPublicJwk } from '../schemas/common.js';
import type { Es256Signer } from './signer.js';

export interface DecodedJws {
  header: unknown;
  payload: unknown;
}

/** Signs `header.payload` with an ES256 signer; the header must already say `alg: ES256`. */
export async function signCompact(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Es256Signer): Promise<string> {
  const input = `${b64uEncode(utf8(JSON.stringify(header)))}.${b64uEncode(utf8(JSON.stringify(payload)))}`;
  const signature = await signer.sign(utf8(input));
  return `${input}.${b64uEncode(signature)}`;
}

/** Decodes a compact JWS without verifying it: only to read which key should verify it. */
export function decodeCompactUnverified(jws: string): DecodedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new TypeError('not a compact JWS');
  const [h, p] = parts as [string, string, string];
  return { header: JSON.parse(fromUtf8(b64uDecode(h))), payload: JSON.parse(fromUtf8(b64uDecode(p))) };
}

/**
 * Imported public keys, by their coordinates: importing a JWK costs about as much as a
 * verification, and the same device key signs every proof of a session.
 */
export class PublicKeyCache {
  readonly #keys = new Map<string, Promise<JoseKey>>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  get(jwk: EcPublicJwk): Promise<JoseKey> {
    const id = `${jwk.x}.${jwk.y}`;
    let key = this.#keys.get(id);
    if (key === undefined) {
      if (this.#keys.size >= this.#max) this.#keys.delete(this.#keys.keys().next().value!);
      key = importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256') as Promise<JoseKey>;
      key.catch(() => this.#keys.delete(id));
      this.#keys.set(id, key);
    }
    return key;
  }
}

const defaultKeyCache = new PublicKeyCache();

/**
 * Verifies an ES256 compact JWS with jose (only `ES256` allowed) and returns its decoded parts.
 * Throws jose's errors; callers map them to their own stable code.
 */
export async function verifyCompactEs256(jws: string, jwk: EcPublicJwk, cache: PublicKeyCache = defaultKeyCache): Promise<DecodedJws> {
  const key = await cache.get(jwk);
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['ES256'] });
  return { header: protectedHeader, payload: JSON.parse(fromUtf8(payload)) };
}
