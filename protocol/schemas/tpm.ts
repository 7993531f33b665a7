import { z } from 'zod';
import { b64u, inviteCode } from './common.js';

/**
 * TPM-bound device keys (PROTOCOL.md, "TPM-bound device keys"). TPM structures travel as the TPM
 * marshals them, in base64url; each has a byte bound (base64url is 4/3 of it, rounded up).
 */
const b64uBytes = (maxBytes: number, what: string) =>
  b64u.max(Math.ceil((maxBytes * 4) / 3), `${what} must be at most ${maxBytes} bytes`).min(1, `${what} must not be empty`);

/** Byte bounds of the TPM structures on the wire. */
export const TPM_WIRE_BOUNDS = {
  ekCert: 4096,
  publicArea: 1024,
  certifyInfo: 1024,
  signature: 1024,
} as const;

/** Opaque to the app: the gateway's sealed record of one activation. */
export const activationId = z.string().min(1).max(512).regex(/^[A-Za-z0-9_.-]+$/, 'must be an activation id');

export const tpmActivationRequest = z.strictObject({
  code: inviteCode,
  nonce: b64u.max(200),
  ekCert: b64uBytes(TPM_WIRE_BOUNDS.ekCert, 'ekCert'),
  akPublic: b64uBytes(TPM_WIRE_BOUNDS.publicArea, 'akPublic'),
});
export const tpmActivationResponse = z.strictObject({
  activationId,
  /** TPM2B_ID_OBJECT. */
  credentialBlob: b64u,
  /** TPM2B_ENCRYPTED_SECRET. */
  encryptedSecret: b64u,
  expiresIn: z.number().int().positive(),
});

/** The `tpm` object of `POST /v1/enroll`: proof that the attestation's key lives in the TPM of the EK. */
export const tpmEnrollProof = z.strictObject({
  activationId,
  secret: b64u.refine((v) => v.length === 43, 'secret must be 32 bytes'),
  akPublic: b64uBytes(TPM_WIRE_BOUNDS.publicArea, 'akPublic'),
  devicePublic: b64uBytes(TPM_WIRE_BOUNDS.publicArea, 'devicePublic'),
  certifyInfo: b64uBytes(TPM_WIRE_BOUNDS.certifyInfo, 'certifyInfo'),
  certifySignature: b64uBytes(TPM_WIRE_BOUNDS.signature, 'certifySignature'),
});

export type TpmActivationRequest = z.infer<typeof tpmActivationRequest>;
export type TpmActivationResponse = z.infer<typeof tpmActivationResponse>;
export type TpmEnrollProof = z.infer<typeof tpmEnrollProof>;

/**
 * The enrollment challenge's answer header saying whether this gateway can verify a TPM key at all
 * (PROTOCOL-CHANGES.md): `not-verified` when it has no TPM attestation or its policy trusts no TPM
 * maker (`tpmEkCAs` empty), so an app skips making a TPM key that would only be refused. Absent
 * (an older gateway): the app tries its TPM as before.
 */
export const TPM_KEYS_HEADER = 'airlock-tpm-keys';
export const tpmKeysStance = z.enum(['verified', 'not-verified']);
export type TpmKeysStance = z.infer<typeof tpmKeysStance>;
