import { AirlockError } from '../../protocol/errors.js';
import type { EcPublicJwk } from '../../protocol/schemas/common.js';
import type { KeyStorage } from '../../protocol/schemas/evidence.js';
import type { SessionAttestationPayload } from '../../protocol/schemas/session.js';
import type { TpmEnrollProof, TpmKeysStance } from '../../protocol/schemas/tpm.js';
import type { VerifiedKeyStorage } from './key-storage-policy.js';
import type { TpmAttestation, TpmEnrollmentFacts } from './tpm-attestation.js';

/**
 * The two places the enroll and session routes meet TPM-bound keys, kept here so the routes hold
 * one call each and no TPM logic.
 */

function attestationRefused(reason: string): AirlockError {
  return new AirlockError('attestation_invalid', `The device attestation was refused: ${reason}.`);
}

/**
 * What the enrollment challenge tells an app about TPM keys: `verified` only when a TPM proof could
 * pass here (TPM attestation on, and at least one TPM maker trusted), so an app on the default
 * policy does not spend seconds making an EK, AK and key in its TPM only to be refused.
 */
export function tpmKeysStanceOf(tpm: TpmAttestation | undefined, tpmEkCAs: readonly string[]): TpmKeysStance {
  return tpm !== undefined && tpmEkCAs.length > 0 ? 'verified' : 'not-verified';
}

/**
 * An enrollment's verified key storage: `tpm` when its TPM proof holds for the attestation's key,
 * nonce and invite (else the proof's own error), `keychain` without a proof. An evidence claim and
 * a proof must agree: "tpm" without a proof, or a proof with another claim, is refused.
 */
export async function enrollmentKeyStorage(
  tpm: TpmAttestation | undefined,
  input: { proof: TpmEnrollProof | undefined; claimed: KeyStorage; jwk: EcPublicJwk; nonce: string; inviteId: string | null; nowSeconds: number },
): Promise<{ keyStorage: VerifiedKeyStorage; facts: TpmEnrollmentFacts | null }> {
  const { proof, claimed } = input;
  if (proof === undefined) {
    if (claimed === 'tpm') throw attestationRefused('its evidence says the key is in a TPM, but no TPM proof came with it. Update the app');
    return { keyStorage: 'keychain', facts: null };
  }
  if (claimed !== 'tpm') throw attestationRefused(`it carries a TPM proof, but its evidence says keyStorage ${claimed}. Update the app`);
  if (tpm === undefined) throw attestationRefused('this gateway does not accept TPM proofs. Enroll with the keychain');
  if (input.inviteId === null) throw new AirlockError('invite_invalid');
  const facts = await tpm.verifyEnrollment({ proof, jwk: input.jwk, nonce: input.nonce, inviteId: input.inviteId }, input.nowSeconds);
  return { keyStorage: 'tpm', facts };
}

/**
 * Which key a session's access token is bound to. A keychain device: its device key, as always (a
 * `sessionJkt` is refused). A TPM device: the in-memory session key its TPM-signed attestation
 * names, which must be the key that signed this request's DPoP proof.
 */
export function sessionBoundJkt(device: { keyStorage: VerifiedKeyStorage; jkt: string }, attestation: SessionAttestationPayload, proofJkt: string): string {
  if (device.keyStorage !== 'tpm') {
    if (attestation.sessionJkt !== undefined) throw attestationRefused('sessionJkt is only for devices whose key is in a TPM. Update the app');
    return device.jkt;
  }
  if (attestation.sessionJkt === undefined) throw attestationRefused('a TPM device must name its session key (sessionJkt). Update the app');
  if (attestation.sessionJkt !== proofJkt) throw new AirlockError('dpop_invalid', 'Invalid DPoP proof: it is not signed by the session key the attestation names (sessionJkt).');
  return attestation.sessionJkt;
}
