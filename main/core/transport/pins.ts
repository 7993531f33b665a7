import { createHash, X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

/**
 * The SPKI pin of a certificate, synchronously: the post-enrollment pin check runs inside TLS's
 * `checkServerIdentity`, which cannot wait. Same format as protocol/pin/spki.ts.
 */
export function pinOf(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** Pins of the certificates one connector has seen, by their exact DER bytes. */
export interface PinMemo {
  learn(der: Uint8Array, pin: string): void;
  /** The pin of a certificate as TLS hands it to `checkServerIdentity`. */
  ofPeer(cert: PeerCertificate): string;
}

/**
 * Parsing a certificate and exporting its key cost about half a millisecond, which every
 * connection to the same gateway CA would pay again. The pin is still compared with the pin set
 * on every connection; only its computation for identical certificate bytes is kept.
 */
export function createPinMemo(max = 16): PinMemo {
  const known = new Map<string, string>();
  const remember = (key: string, pin: string): string => {
    if (known.size >= max) known.clear();
    known.set(key, pin);
    return pin;
  };
  return {
    learn(der, pin) {
      remember(Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64'), pin);
    },
    ofPeer(cert) {
      const key = cert.raw.toString('base64');
      return known.get(key) ?? remember(key, pinOf(new X509Certificate(cert.raw)));
    },
  };
}
