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
  const { caCert: ca, caKeys, caCertPem, caKeyPem } = await createGatewayCa(now);
  const server = await issueServerCertificate({ caCert: ca, caKeys }, names, now);
  return { caCertPem, caKeyPem, serverCertPem: server.certPem, serverKeyPem: server.keyPem };
}

/** A new private CA (ten years): at init, and as the next CA of a rotation (`ca rotate --stage`). */
export async function createGatewayCa(now = new Date()): Promise<GatewayCa & { caCertPem: string; caKeyPem: string }> {
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

  return { caCert: ca, caKeys, caCertPem: ca.toString('pem'), caKeyPem: await privateKeyPem(caKeys.privateKey) };
}

/** A CA as read back from the data directory (ca.pem, ca.key), able to sign server certificates. */
export interface GatewayCa {
  caCert: x509.X509Certificate;
  caKeys: CryptoKeyPair;
}

export async function loadGatewayCa(caCertPem: string, caKeyPem: string): Promise<GatewayCa> {
  const caCert = new x509.X509Certificate(caCertPem);
  const der = x509.PemConverter.decode(caKeyPem)[0];
  if (!der) throw new Error('the CA key file holds no PEM key');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
  const publicKey = await caCert.publicKey.export(EC, ['verify'], webcrypto as unknown as Crypto);
  return { caCert, caKeys: { privateKey, publicKey } as CryptoKeyPair };
}

/**
 * A server certificate (two years) signed by the CA, for localhost, the loopback addresses and
 * `names`: at init, and again at `cert renew`, where the CA and so the pin stay the same.
 */
export async function issueServerCertificate(ca: GatewayCa, names: readonly string[], now = new Date()): Promise<{ certPem: string; keyPem: string; notAfter: Date }> {
  const serverKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const altNames: x509.JsonGeneralName[] = [];
  for (const name of new Set(['localhost', '127.0.0.1', '::1', ...names.map((n) => n.toLowerCase())])) {
    altNames.push(isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name });
  }
  const notAfter = new Date(now.getTime() + 730 * DAY_MS);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=Airlock gateway',
    issuer: ca.caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: SIGN,
    publicKey: serverKeys.publicKey,
    signingKey: ca.caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(altNames, false),
      await x509.AuthorityKeyIdentifierExtension.create(ca.caKeys.publicKey),
    ],
  });
  return { certPem: server.toString('pem'), keyPem: await privateKeyPem(serverKeys.privateKey), notAfter };
}

/** The DNS names and IP addresses a PEM certificate's subjectAltName lists. */
export function certificateNames(pem: string): string[] {
  const san = new NodeX509(pem).subjectAltName ?? '';
  return san
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => name.toLowerCase());
}

/** The names of a certificate beyond those every server certificate has (localhost, the loopback addresses). */
export function extraCertificateNames(pem: string): string[] {
  const always = new Set(['localhost', '127.0.0.1', '::1', '0:0:0:0:0:0:0:1']);
  return certificateNames(pem).filter((name) => !always.has(name));
}

/** Whether a client connecting to `host` accepts this server certificate's name (TLS hostname check). */
export function certificateNamesHost(pem: string, host: string): boolean {
  const cert = new NodeX509(pem);
  return isIP(host) === 0 ? cert.checkHost(host, { wildcards: false }) !== undefined : cert.checkIP(host) !== undefined;
}

/** The SPKI pin of a PEM certificate (the CA's pin is the one links and apps carry). */
export function pinOfCertificatePem(pem: string): Promise<string> {
  const spki = new NodeX509(pem).publicKey.export({ type: 'spki', format: 'der' });
  return pinFromSpki(new Uint8Array(spki));
}
