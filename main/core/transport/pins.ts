import { createHash, X509Certificate } from 'node:crypto';

/**
 * The SPKI pin of a certificate, synchronously: the post-enrollment pin check runs inside TLS's
 * `checkServerIdentity`, which cannot wait. Same format as protocol/pin/spki.ts.
 */
export function pinOf(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}
