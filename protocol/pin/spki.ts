// Must precede @peculiar/x509: it throws at import time without a Reflect metadata polyfill.
import './reflect-metadata.js';
import { X509Certificate } from '@peculiar/x509';
import { b64Encode, sha256 } from '../encoding.js';
import { spkiPin } from '../schemas/common.js';

/** `sha256/<base64 SHA-256 of the DER SubjectPublicKeyInfo>`, the pin format of HPKP (RFC 7469). */
export async function pinFromSpki(spkiDer: Uint8Array): Promise<string> {
  return `sha256/${b64Encode(await sha256(spkiDer))}`;
}

/** The pin of a certificate's public key; accepts PEM or DER. */
export async function pinFromCertificate(certificate: string | Uint8Array): Promise<string> {
  const cert = new X509Certificate(typeof certificate === 'string' ? certificate : (certificate as Uint8Array<ArrayBuffer>));
  return pinFromSpki(new Uint8Array(cert.publicKey.rawData));
}

export function isPin(value: string): boolean {
  return spkiPin.safeParse(value).success;
}

/** Whether `pin` is one of `pins` (exact, since both sides are canonical base64). */
export function pinMatches(pin: string, pins: readonly string[]): boolean {
  return pins.includes(pin);
}
