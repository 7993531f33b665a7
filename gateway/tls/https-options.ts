import type { SecureContextOptions } from 'node:tls';

/** The TLS 1.2 suites offered, for the gateway's ECDSA and (if ever configured) RSA keys. */
export const TLS12_AEAD_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * The HTTPS listener's TLS settings, in one place: the gateway's server at start (app.ts) and
 * again when `cert renew` swaps its certificate (reload.ts), since `setSecureContext` replaces
 * every setting, not only the certificate.
 */
export function httpsOptions(tls: { cert: string; key: string }): SecureContextOptions & { minVersion: 'TLSv1.2' } {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    // TLS 1.2 offers AEAD suites with forward secrecy only (no CBC, no SHA-1 MACs); TLS 1.3's are all AEAD.
    ciphers: TLS12_AEAD_CIPHERS,
    honorCipherOrder: true,
  };
}
