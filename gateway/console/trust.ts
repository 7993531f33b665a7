import type { KeyStorage } from '../../protocol/schemas/evidence.js';

/** A device's trust level in the README's words ("Trust levels"), from where its key is kept as the gateway verified it (DeviceRecord.keyStorage). */
export function trustLevelOf(keyStorage: KeyStorage | undefined): string {
  switch (keyStorage) {
    case 'keychain':
      return 'keychain key with self-reported evidence: stops a shared token, a copied config file and a stolen access token; does not stop a tester who extracts the key from their own keychain.';
    case 'tpm':
      return 'tpm key, verified at enrollment: made inside a TPM 2.0 whose endorsement certificate a CA in policy tpmEkCAs signed, and it cannot be copied off that computer; requests are signed by a per-session key in the app\'s memory.';
    case 'secure-enclave':
      return 'secure-enclave key (as reported by the device; not verified yet).';
    default:
      return 'unknown (no evidence recorded).';
  }
}
