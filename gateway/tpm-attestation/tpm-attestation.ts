import { randomBytes } from 'node:crypto';
import { b64uDecode } from '../../protocol/encoding.js';
import type { EcPublicJwk } from '../../protocol/schemas/common.js';
import type { TpmActivationResponse, TpmEnrollProof } from '../../protocol/schemas/tpm.js';
import type { ReplayGuard } from '../auth/replay-guard.js';
import { activationKeyFrom, createActivations } from './activations.js';
import { attestationKeyOf, verifyCertification } from './certification.js';
import { verifyEkCertificate } from './ek-certificate.js';
import { makeCredential } from './make-credential.js';

/** What an enrollment's TPM proof established, for its audit entry. */
export interface TpmEnrollmentFacts {
  /** b64u of the AK's Name. */
  akName: string;
  /** Hex SHA-256 of the EK certificate. */
  ekFingerprint: string;
}

/**
 * The gateway side of TPM-bound device keys (PROTOCOL.md, "TPM-bound device keys"): credential
 * activation to a trusted EK, then the certification of the device key by the activated AK. The
 * routes call these two after their own invite and attestation checks.
 */
export interface TpmAttestation {
  /** `POST /v1/enroll/tpm/activation`, once the invite is known to be good. */
  activate(input: { inviteId: string; nonce: string; ekCert: string; akPublic: string; ekCAs: readonly string[] }, now: { seconds: number; date: Date }): Promise<TpmActivationResponse>;
  /**
   * The `tpm` object of `POST /v1/enroll`, for the attestation (already verified) with key `jwk`
   * over `nonce` for the invite `inviteId`. Throws `tpm_activation_invalid` or `tpm_certify_invalid`.
   */
  verifyEnrollment(input: { proof: TpmEnrollProof; jwk: EcPublicJwk; nonce: string; inviteId: string }, nowSeconds: number): Promise<TpmEnrollmentFacts>;
}

export interface TpmAttestationOptions {
  /** The secret the activation key is derived from: serve passes its nonce key (shared by instances on PostgreSQL, new each run alone). */
  secret: Uint8Array;
  /** Single use of activations; the DPoP replay guard serves (its keys are prefixed). */
  replay: ReplayGuard;
  /** Seconds an activation stays good: the enrollment challenge's lifetime. */
  lifetime: number;
}

export function createTpmAttestation(options: TpmAttestationOptions): TpmAttestation {
  const activations = createActivations(activationKeyFrom(options.secret), options.replay);
  return {
    async activate(input, now) {
      const ek = await verifyEkCertificate(b64uDecode(input.ekCert), input.ekCAs, now.date);
      const { name } = await attestationKeyOf(input.akPublic);
      const secret = randomBytes(32);
      const made = makeCredential(ek.publicKey, name, secret);
      const activationId = activations.issue({ inviteId: input.inviteId, nonce: input.nonce, akName: Buffer.from(name).toString('base64url'), ekFingerprint: ek.fingerprint }, secret, now.seconds, options.lifetime);
      return {
        activationId,
        credentialBlob: made.credentialBlob.toString('base64url'),
        encryptedSecret: made.encryptedSecret.toString('base64url'),
        expiresIn: options.lifetime,
      };
    },
    async verifyEnrollment({ proof, jwk, nonce, inviteId }, nowSeconds) {
      const { ak, name } = await attestationKeyOf(proof.akPublic);
      const akName = Buffer.from(name).toString('base64url');
      const { ekFingerprint } = await activations.redeem(proof.activationId, { inviteId, nonce, akName }, b64uDecode(proof.secret), nowSeconds);
      await verifyCertification(proof, ak, jwk, nonce);
      return { akName, ekFingerprint };
    },
  };
}
