import './reflect-metadata.js';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { pinFromCertificate } from '../../../../protocol/pin/spki.js';

/**
 * A throwaway PKI for client-core tests: a private CA and the server certificates it signs,
 * made fresh in memory for each run (no key material on disk). Variants exist to prove the
 * transport refuses them: a leaf that is not from a CA, a wrong host, an expired certificate.
 */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface TestCa {
  certPem: string;
  pin: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface TestServerCert {
  certPem: string;
  keyPem: string;
  /** Leaf then CA, as the gateway sends it (PROTOCOL.md, "Trust bootstrap"). */
  chainPem: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function createTestCa(options: { name?: string; isCa?: boolean } = {}): Promise<TestCa> {
  const keys = await keyPair();
  const isCa = options.isCa ?? true;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.name ?? 'Airlock Test CA'}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(isCa, undefined, true),
      new x509.KeyUsagesExtension(isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return { certPem, pin: await pinFromCertificate(certPem), keys, cert };
}

export async function createServerCert(
  ca: TestCa,
  options: { hosts?: string[]; ips?: string[]; notBefore?: Date; notAfter?: Date } = {},
): Promise<TestServerCert> {
  const keys = await keyPair();
  const names: x509.JsonGeneralName[] = [
    ...(options.hosts ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=airlock-gateway',
    issuer: ca.cert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 7 * DAY),
    signingAlgorithm: SIGN,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return { certPem, keyPem: await privatePem(keys.privateKey), chainPem: `${certPem}\n${ca.certPem}\n` };
}

/** A pin that no certificate here has. */
export const FOREIGN_PIN = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
