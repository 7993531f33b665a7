// protocol/pin/spki.ts first: it installs the Reflect polyfill @peculiar/x509 needs at import time.
import { pinFromSpki } from '../../protocol/pin/spki.js';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface GatewayCertificates {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

function serial(): string {
  // Positive 16-byte serial (RFC 5280 §4.1.2.2: unique, at most 20 octets).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength), 'PRIVATE KEY');
}

/**
 * A private P-256 CA and the server certificate it signs (DESIGN.md, "Gateway identity"). The CA
 * lasts ten years (its pin is what apps keep); the server certificate two, for localhost, the
 * loopback addresses and every `--name`.
 */
export async function createGatewayCertificates(names: readonly string[], now = new Date()): Promise<GatewayCertificates> {
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Airlock gateway CA',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    signingAlgorithm: SIGN,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const altNames: x509.JsonGeneralName[] = [];
  for (const name of new Set(['localhost', '127.0.0.1', '::1', ...names])) {
    altNames.push(isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name });
  }
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=Airlock gateway',
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 730 * DAY_MS),
    signingAlgorithm: SIGN,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(altNames, false),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  return {
    caCertPem: ca.toString('pem'),
    caKeyPem: await privateKeyPem(caKeys.privateKey),
    serverCertPem: server.toString('pem'),
    serverKeyPem: await privateKeyPem(serverKeys.privateKey),
  };
}

/** The SPKI pin of a PEM certificate (the CA's pin is the one links and apps carry). */
export function pinOfCertificatePem(pem: string): Promise<string> {
  const spki = new NodeX509(pem).publicKey.export({ type: 'spki', format: 'der' });
  return pinFromSpki(new Uint8Array(spki));
}
