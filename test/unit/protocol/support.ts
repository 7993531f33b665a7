import { createHmac, randomBytes } from 'node:crypto';
import { b64uEncode, utf8 } from '../../../protocol/encoding.js';
import { generateEphemeralSigner, type Es256Signer } from '../../../protocol/jws/signer.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';

/** Test helpers: fresh keys, valid evidence, and raw JWS forging for the refusal cases. */

export const NOW = 1_900_000_000;

export function newSigner(): Promise<Es256Signer & { privateKey: CryptoKey }> {
  return generateEphemeralSigner();
}

export function random(n = 16): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

export function evidence(overrides: Partial<Evidence> = {}): Evidence {
  return {
    platform: 'linux',
    osRelease: '6.1.0-18-amd64',
    arch: 'x64',
    appVersion: '0.1.0',
    buildId: 'dev',
    packaged: false,
    machineIdHash: b64uEncode(new Uint8Array(32).fill(7)),
    diskEncryption: 'unknown',
    debugger: false,
    keyStorage: 'keychain',
    ...overrides,
  };
}

export function encodePart(value: unknown): string {
  return b64uEncode(utf8(JSON.stringify(value)));
}

/** A compact JWS with any header, signed ES256 by `signer` (whatever the header claims). */
export async function signRaw(header: unknown, payload: unknown, signer: Es256Signer): Promise<string> {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  return `${input}.${b64uEncode(await signer.sign(utf8(input)))}`;
}

/** An `alg: none` JWS: empty signature. */
export function unsigned(header: unknown, payload: unknown): string {
  return `${encodePart(header)}.${encodePart(payload)}.`;
}

/** An HS256 JWS under `secret` (an attacker who knows, or guesses, a symmetric key). */
export function hs256(header: unknown, payload: unknown, secret: string): string {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  return `${input}.${b64uEncode(new Uint8Array(createHmac('sha256', secret).update(input).digest()))}`;
}

/** Flips one bit of the signature part. */
export function tamperSignature(jws: string): string {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const first = s[0] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${first}${s.slice(1)}`;
}

export function hmacKey(secret: Uint8Array): (data: Uint8Array) => Uint8Array {
  return (data) => new Uint8Array(createHmac('sha256', secret).update(data).digest());
}
