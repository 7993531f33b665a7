import { describe, expect, it } from 'vitest';
import { tpmAdvice, type TpmAvailability } from '../../../main/core/tpm/detect.js';
import { fallsBackToKeychain, firstKeyChoice, localTpmFailure, tpmRequiredError } from '../../../main/core/tpm/key-choice.js';
import { TpmFormatError } from '../../../main/core/tpm/structures.js';
import { NoEkCertificate } from '../../../main/core/tpm/tpm-device.js';
import { TpmToolError } from '../../../main/core/tpm/tpm-tools.js';
import { AirlockError } from '../../../protocol/errors.js';

const noPermission: TpmAvailability = { usable: false, tcti: 'device:/dev/tpmrm0', reason: 'no-permission', advice: tpmAdvice('no-permission', { group: 'tss' }) };

describe('which key an enrollment makes (main/core/tpm/key-choice.ts)', () => {
  it('a usable TPM first; otherwise (or with no TPM configured) the keychain', () => {
    expect(firstKeyChoice({ usable: true, tcti: 'device:/dev/tpmrm0' })).toBe('tpm');
    expect(firstKeyChoice(noPermission)).toBe('keychain');
    expect(firstKeyChoice(null)).toBe('keychain');
  });

  it('the keychain at once when the gateway said it verifies no TPM key; a TPM when it said nothing (an older gateway)', () => {
    const usable: TpmAvailability = { usable: true, tcti: 'device:/dev/tpmrm0' };
    expect(firstKeyChoice(usable, 'not-verified')).toBe('keychain');
    expect(firstKeyChoice(usable, 'verified')).toBe('tpm');
    expect(firstKeyChoice(usable, null)).toBe('tpm');
    expect(firstKeyChoice(noPermission, 'verified')).toBe('keychain');
  });

  it('falls back to the keychain only when the gateway does not trust the TPM\'s maker', () => {
    expect(fallsBackToKeychain('tpm_ek_untrusted')).toBe(true);
    for (const code of ['tpm_certify_invalid', 'tpm_activation_invalid', 'invite_used', 'tpm_required']) expect(fallsBackToKeychain(code)).toBe(false);
  });

  it('a TPM that fails during enrollment counts as unusable, with the matching advice; gateway refusals do not', () => {
    const tcti = 'device:/dev/tpmrm0';
    expect(localTpmFailure(new NoEkCertificate(), tcti)).toMatchObject({ usable: false, reason: 'no-ek-certificate', advice: "This computer's TPM holds no endorsement certificate, so it cannot prove who made it: ask your administrator." });
    expect(localTpmFailure(new TpmToolError('tpm2_create', 'out of memory', false), tcti)).toMatchObject({ usable: false, reason: 'not-responding' });
    expect(localTpmFailure(new TpmFormatError('the TPM signature is truncated'), tcti)).toMatchObject({ reason: 'not-responding' });
    expect(localTpmFailure(new AirlockError('tpm_certify_invalid'), tcti)).toBeNull();
    expect(localTpmFailure(new Error('socket hang up'), tcti)).toBeNull();
  });

  it('when the gateway requires a TPM and this one is unusable: one sentence with the requirement and the one thing to do', () => {
    const error = tpmRequiredError(noPermission);
    expect(error.code).toBe('tpm_required');
    expect(error.message).toBe("This gateway accepts only a device key held in a TPM, and Airlock cannot use this computer's TPM. Ask your administrator to add you to the tss group (sudo usermod -aG tss $USER), then sign out and in again.");
  });
});
