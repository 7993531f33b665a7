import type { KeyStorage } from '../../protocol/schemas/evidence.js';

/** A device's trust level in the README's words ("Trust levels"), from where its key is kept. */
export function trustLevelOf(keyStorage: KeyStorage): string {
  return keyStorage === 'keychain'
    ? 'keychain key with self-reported evidence'
    : `hardware-bound key (${keyStorage}) with self-reported evidence (platform-signed attestation is not built yet)`;
}
