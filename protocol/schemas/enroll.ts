import { z } from 'zod';
import { b64u, compactJws, deviceId, email, epochSeconds, ecPublicJwk, inviteCode } from './common.js';
import { evidence } from './evidence.js';
import { clientPolicy } from './policy.js';
import { tpmEnrollProof } from './tpm.js';

export { inviteCode };

export const enrollChallengeRequest = z.strictObject({ code: inviteCode });
export const enrollChallengeResponse = z.strictObject({
  nonce: b64u,
  expiresIn: z.number().int().positive(),
  salt: b64u,
});

/** `tpm`: the proof of a TPM-held device key (PROTOCOL.md, "TPM-bound device keys"); absent for keychain keys. */
export const enrollRequest = z.strictObject({ attestation: compactJws, tpm: tpmEnrollProof.optional() });
export const enrollResponse = z.strictObject({
  deviceId,
  tester: email,
  policy: clientPolicy,
});

/** Protected header of the enrollment attestation. */
export const enrollAttestationHeader = z.strictObject({
  alg: z.literal('ES256'),
  typ: z.literal('airlock-attest+jwt'),
  jwk: ecPublicJwk,
});
export const enrollAttestationPayload = z.strictObject({
  code: inviteCode,
  nonce: b64u,
  iat: epochSeconds,
  evidence,
});

export type EnrollChallengeRequest = z.infer<typeof enrollChallengeRequest>;
export type EnrollChallengeResponse = z.infer<typeof enrollChallengeResponse>;
export type EnrollRequest = z.infer<typeof enrollRequest>;
export type EnrollResponse = z.infer<typeof enrollResponse>;
export type EnrollAttestationPayload = z.infer<typeof enrollAttestationPayload>;
