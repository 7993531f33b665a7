import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { AirlockError } from '../../../protocol/errors.js';
import { pinOf } from './pins.js';

export interface BootstrapInput {
  /** DER certificates as the gateway sent them, server certificate first. */
  chain: readonly Uint8Array[];
  /** The pin set of the invite link (primary, then an optional backup). */
  pins: readonly string[];
  /** The gateway's host name or IP address, from its origin. */
  host: string;
  now: Date;
}

export interface BootstrapResult {
  /** The gateway CA to trust from now on (kept in the enrollment record). */
  caPem: string;
  caPin: string;
  /** The same CA certificate, DER. */
  caDer: Uint8Array;
}

/** The one wording of `connection_not_trusted`, wherever the client refuses a gateway's identity. */
export function notTrusted(reason: string, cause?: unknown): AirlockError {
  return new AirlockError('connection_not_trusted', `Connection not trusted: ${reason}. Do not continue; tell your admin.`, { cause });
}

function within(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/**
 * PROTOCOL.md "Trust bootstrap": the one place where the normal certificate check is replaced,
 * used only while the app knows nothing but the pin set. Stricter than the normal check: the
 * chain's CA certificate must have a pinned SPKI, be a CA and sign the server certificate, and
 * the server certificate must name the host and be within its validity. Any failure refuses.
 */
export function verifyBootstrapChain(input: BootstrapInput): BootstrapResult {
  // 1. Parse everything the gateway sent; a certificate that does not parse ends the check.
  let certs: X509Certificate[];
  try {
    certs = input.chain.map((der) => new X509Certificate(der));
  } catch {
    throw notTrusted('the gateway sent a certificate that cannot be read');
  }
  const [server, ...rest] = certs;
  if (server === undefined) throw notTrusted('the gateway sent no certificate');
  if (rest.length === 0) throw notTrusted('the gateway did not send its CA certificate after its server certificate');

  // 2. The CA is the certificate whose key is pinned; nothing else in the chain is trusted.
  const pinned = rest.map((cert) => ({ cert, pin: pinOf(cert) })).filter(({ pin }) => input.pins.includes(pin));
  if (pinned.length === 0) throw notTrusted('no certificate the gateway sent has a key in the pin set');

  // 3. It must be a CA, valid now, and it must have signed the server certificate.
  const found = pinned.find(({ cert }) => cert.ca && server.checkIssued(cert) && server.verify(cert.publicKey));
  if (found === undefined) throw notTrusted('the pinned certificate is not a CA that signed the server certificate');
  const ca = found.cert;
  if (!within(ca, input.now)) throw notTrusted('the pinned CA certificate is not within its validity period');

  // 4. The server certificate must name this host and be within its validity.
  const names = isIP(input.host) !== 0 ? server.checkIP(input.host) : server.checkHost(input.host);
  if (names === undefined) throw notTrusted(`the server certificate does not name ${input.host}`);
  if (!within(server, input.now)) throw notTrusted('the server certificate is not within its validity period');
  if (server.ca) throw notTrusted('the server certificate is itself a CA certificate');

  return { caPem: ca.toString(), caPin: found.pin, caDer: new Uint8Array(ca.raw) };
}
