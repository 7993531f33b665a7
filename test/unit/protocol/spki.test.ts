// protocol/pin/spki.ts first: importing it alone must make @peculiar/x509 loadable (Reflect polyfill).
import { isPin, pinFromCertificate, pinFromSpki, pinMatches } from '../../../protocol/pin/spki.js';
import { X509Certificate as NodeX509, createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let caPem: string;
let caDer: Uint8Array;
let otherPem: string;

async function selfSigned(name: string): Promise<x509.X509Certificate> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as CryptoKeyPair,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
}

beforeAll(async () => {
  const ca = await selfSigned('Airlock test CA');
  caPem = ca.toString('pem');
  caDer = new Uint8Array(ca.rawData);
  otherPem = (await selfSigned('Another CA')).toString('pem');
});

/** The reference: node:crypto's own export of the certificate's SubjectPublicKeyInfo. */
function nodePin(pem: string): string {
  const spki = new NodeX509(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

describe('SPKI pins (sha256/<base64>)', () => {
  it('pins a certificate exactly as node:crypto computes it, from PEM and from DER', async () => {
    const expected = nodePin(caPem);
    expect(await pinFromCertificate(caPem)).toBe(expected);
    expect(await pinFromCertificate(caDer)).toBe(expected);
    expect(isPin(expected)).toBe(true);
  });

  it('pins raw SPKI DER', async () => {
    const spki = new NodeX509(caPem).publicKey.export({ type: 'spki', format: 'der' });
    expect(await pinFromSpki(new Uint8Array(spki))).toBe(nodePin(caPem));
  });

  it('gives another key another pin, and matches only listed pins', async () => {
    const pin = await pinFromCertificate(caPem);
    const other = await pinFromCertificate(otherPem);
    expect(other).not.toBe(pin);
    expect(pinMatches(pin, [other, pin])).toBe(true);
    expect(pinMatches(pin, [other])).toBe(false);
    expect(pinMatches(pin, [])).toBe(false);
    // base64url or lower-cased forms are not the canonical pin: no match, no normalising.
    expect(pinMatches(pin.toLowerCase(), [pin])).toBe(false);
  });

  it('knows a pin from things that look like one', () => {
    expect(isPin(`sha256/${Buffer.alloc(32).toString('base64')}`)).toBe(true);
    expect(isPin(`sha256/${Buffer.alloc(32).toString('base64url')}`)).toBe(false);
    expect(isPin(Buffer.alloc(32).toString('base64'))).toBe(false);
    expect(isPin(`sha384/${Buffer.alloc(48).toString('base64')}`)).toBe(false);
  });

  it('refuses something that is not a certificate', async () => {
    await expect(pinFromCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).rejects.toThrow();
  });
});
