import type { KeyStorage } from '../../protocol/schemas/evidence.js';

/** A device's trust level in the README's words ("Trust levels"), from where its key is kept. */
export function trustLevelOf(keyStorage: KeyStorage | undefined): string {
  switch (keyStorage) {
    case 'keychain':
      return 'keychain key with self-reported evidence: stops a shared token, a copied config file and a stolen access token; does not stop a tester who extracts the key from their own keychain.';
    case 'tpm':
    case 'secure-enclave':
      return `${keyStorage} key (hardware-bound, as reported by the device; platform-signed attestation is not checked yet).`;
    default:
      return 'unknown (no evidence recorded).';
  }
}
