/**
 * Which key an enrollment makes, and what the tester is told when the gateway wants a TPM this
 * computer cannot offer. Pure: detection (detect.ts) and the gateway's answers come in.
 *
 * The app cannot read the gateway's policy before it enrolls, so it tries the strongest key it
 * can make: a TPM key when the TPM is usable, else a keychain key; unless the gateway's
 * challenge said it verifies no TPM key (`airlock-tpm-keys: not-verified`: no TPM maker
 * trusted), when a TPM key would only be refused. The gateway's refusals then say what the
 * policy allows:
 *  - a TPM key refused with `tpm_ek_untrusted` (the TPM's maker is not in `tpmEkCAs`) falls back
 *    to the keychain, which the policy may allow; if it too is refused (`tpm_required`), the TPM's
 *    refusal is the one to show, since it is the reason;
 *  - a keychain key refused with `tpm_required` while the TPM is not usable: one sentence naming
 *    the requirement and the one thing to do (detect.ts's advice).
 */
import { AirlockError } from '../../../protocol/errors.js';
import type { TpmKeysStance } from '../../../protocol/schemas/tpm.js';
import { ClientError } from '../errors.js';
import { tpmAdvice, type TpmAvailability } from './detect.js';
import { NoEkCertificate } from './tpm-device.js';
import { TpmToolError } from './tpm-tools.js';
import { TpmFormatError } from './structures.js';

export type KeyChoice = 'tpm' | 'keychain';

/** `stance`: the gateway's `airlock-tpm-keys` answer, null when it sent none (an older gateway). */
export function firstKeyChoice(availability: TpmAvailability | null, stance: TpmKeysStance | null = null): KeyChoice {
  return availability?.usable === true && stance !== 'not-verified' ? 'tpm' : 'keychain';
}

/** After a TPM enrollment was refused with this code, is the keychain worth a try? */
export function fallsBackToKeychain(code: string): boolean {
  return code === 'tpm_ek_untrusted';
}

/**
 * The TPM itself failed during the enrollment (a tool error, no EK certificate, an answer the app
 * cannot read): the TPM is not usable after all, so the keychain is tried as when detection says
 * so. Returns what the tester is told if the gateway then requires a TPM; null for anything else.
 */
export function localTpmFailure(error: unknown, tcti: string): TpmAvailability | null {
  if (error instanceof NoEkCertificate) return { usable: false, tcti, reason: 'no-ek-certificate', advice: tpmAdvice('no-ek-certificate') };
  if (error instanceof TpmToolError || error instanceof TpmFormatError) return { usable: false, tcti, reason: 'not-responding', advice: tpmAdvice('not-responding') };
  return null;
}

/** The sentence when the gateway requires a TPM key and this computer's TPM cannot be used. */
export function tpmRequiredSentence(advice: string): string {
  return `This gateway accepts only a device key held in a TPM, and Airlock cannot use this computer's TPM. ${advice}`;
}

/** The TPM that holds an enrolled device's key cannot sign (a session cannot start): what to do. */
export function tpmUnavailableError(availability: TpmAvailability, cause: unknown): ClientError {
  const advice = availability.usable ? tpmAdvice('not-responding') : availability.advice;
  return new ClientError('tpm_unavailable', `Airlock could not use this computer's TPM, which holds this device's key. ${advice}`, { cause });
}

/** The gateway requires a TPM key yet trusts no TPM maker: no TPM can enroll, whatever this computer has. */
export function tpmUnverifiableError(): AirlockError {
  return new AirlockError('tpm_required', "This gateway accepts only a device key held in a TPM, but it trusts no TPM maker yet, so it cannot accept this computer's TPM either: ask your administrator (the gateway's policy lists no tpmEkCAs).");
}

export function tpmRequiredError(availability: TpmAvailability | null): AirlockError {
  const advice = availability !== null && !availability.usable ? availability.advice : 'Ask your administrator to set up the TPM on this computer, then enroll again.';
  return new AirlockError('tpm_required', tpmRequiredSentence(advice));
}
