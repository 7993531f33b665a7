// Must precede @peculiar/x509: it throws at import time without a Reflect metadata polyfill.
import '../../protocol/pin/reflect-metadata.js';
import { createHash, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AirlockError } from '../../protocol/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** What the gateway keeps of an EK certificate it trusted (for the audit entry) and the EK itself. */
export interface TrustedEk {
  publicKey: KeyObject;
  subject: string;
  issuer: string;
  serial: string;
  /** Hex SHA-256 of the certificate's DER. */
  fingerprint: string;
}

function untrusted(reason: string): AirlockError {
  return new AirlockError('tpm_ek_untrusted', `This computer's TPM is not from a maker this gateway trusts: ${reason}. Tell your admin; the app can enroll with the keychain if the policy allows it.`);
}

const parsedLists = new WeakMap<readonly string[], x509.X509Certificate[]>();

/** The policy's CA list, parsed once per policy (a PEM that does not parse is left out and named in the log by `policy check`). */
function caCertificates(caPems: readonly string[]): x509.X509Certificate[] {
  let parsed = parsedLists.get(caPems);
  if (parsed === undefined) {
    parsed = [];
    for (const pem of caPems) {
      try {
        parsed.push(new x509.X509Certificate(pem));
      } catch {
        // Skipped: an unreadable entry trusts nothing.
      }
    }
    parsedLists.set(caPems, parsed);
  }
  return parsed;
}

/** Why a PEM of `tpmEkCAs` cannot serve as an EK CA, or null when it can (for `policy check`). */
export function ekCaProblem(pem: string): string | null {
  try {
    const cert = new x509.X509Certificate(pem);
    return isCa(cert) ? null : 'it is not a CA certificate (basicConstraints cA is not set)';
  } catch (error) {
    return `it is not an X.509 certificate (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The length of the DER SEQUENCE at the start of `der` (header included), or -1 when it is not one. */
function derSequenceLength(der: Uint8Array): number {
  if (der.length < 2 || der[0] !== 0x30) return -1;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 3 || der.length < 2 + octets) return -1;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]!;
  return 2 + octets + length;
}

/** Every `tpmEkCAs` entry that cannot serve, as `field "tpmEkCAs.N": why` (policy load and `policy check`). */
export function tpmEkCaErrors(caPems: readonly string[]): string[] {
  return caPems.flatMap((pem, i) => {
    const problem = ekCaProblem(pem);
    return problem === null ? [] : [`field "tpmEkCAs.${i}": ${problem}`];
  });
}

function isCa(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

function within(cert: x509.X509Certificate, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();
}

/**
 * Trusts an EK certificate when it is signed by a CA certificate of `policy.tpmEkCAs` (an explicit
 * allow-list of issuing CAs: the app sends no chain, so a maker's intermediates must be listed), both within their validity, the CA
 * marked as one, and the EK an RSA 2048 key (the TCG default template MakeCredential is made for).
 * Anything else is `tpm_ek_untrusted`, saying why.
 */
export async function verifyEkCertificate(der: Uint8Array, caPems: readonly string[], now: Date): Promise<TrustedEk> {
  if (caPems.length === 0) throw untrusted('no TPM maker is trusted yet (policy tpmEkCAs is empty)');
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(new Uint8Array(der) as Uint8Array<ArrayBuffer>);
  } catch {
    throw untrusted('what it sent as its endorsement certificate is not an X.509 certificate');
  }
  if (derSequenceLength(der) !== der.length) throw untrusted('its endorsement certificate has bytes after the certificate');
  if (!within(cert, now)) throw untrusted('its endorsement certificate is expired or not yet valid');
  let issuer: x509.X509Certificate | undefined;
  for (const ca of caCertificates(caPems)) {
    if (ca.subject !== cert.issuer || !isCa(ca) || !within(ca, now)) continue;
    if (await cert.verify({ publicKey: ca, signatureOnly: true })) {
      issuer = ca;
      break;
    }
  }
  if (issuer === undefined) throw untrusted(`its endorsement certificate (issuer "${cert.issuer}") is not signed by a CA in policy tpmEkCAs`);
  const publicKey = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'rsa' || publicKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw untrusted('its endorsement key is not RSA 2048 (ECC endorsement keys are not supported yet)');
  }
  return {
    publicKey,
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}
