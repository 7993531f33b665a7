import { AirlockError } from '../../protocol/errors.js';
import { KEY_STORAGE_RANK, type Evidence } from '../../protocol/schemas/evidence.js';
import type { Policy } from '../../protocol/schemas/policy.js';

/** The key storage the gateway verified for a device: `tpm` only on a TPM proof, else `keychain`. */
export type VerifiedKeyStorage = 'keychain' | 'tpm';

/**
 * `minKeyStorage` judged on what was verified, never on the evidence's claim: a device below it is
 * refused with `tpm_required`, which tells the tester what to do.
 */
export function refuseUnlessKeyStorageMeetsPolicy(verified: VerifiedKeyStorage, policy: Policy, at: 'enrollment' | 'session'): void {
  if (KEY_STORAGE_RANK[verified] >= KEY_STORAGE_RANK[policy.minKeyStorage]) return;
  throw new AirlockError(
    'tpm_required',
    at === 'enrollment'
      ? 'This gateway requires a device key held in a TPM 2.0 chip (policy minKeyStorage), and this enrollment has none. Make sure the TPM is on and you may use /dev/tpmrm0 (join the tss group), then enroll again.'
      : 'This gateway now requires a device key held in a TPM 2.0 chip (policy minKeyStorage), and this device\'s key is in the keychain. Ask your admin for a new invite and enroll again on a computer whose TPM you may use (/dev/tpmrm0, the tss group).',
  );
}

/** The evidence as the policy sees it: its key storage replaced by the verified one. */
export function withVerifiedKeyStorage(evidence: Evidence, verified: VerifiedKeyStorage): Evidence {
  return evidence.keyStorage === verified ? evidence : { ...evidence, keyStorage: verified };
}
