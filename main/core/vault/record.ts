import { z } from 'zod';
import { b64u, deviceId, email, httpsOrigin, isoTime, spkiPin } from '../../../protocol/schemas/common.js';
import { clientPolicy } from '../../../protocol/schemas/policy.js';
import { tpmKeyRecord } from '../tpm/key-record.js';
import { MAX_HELD_PINS } from '../trust/announced-pins.js';

const caPem = z.string().min(100).max(10_000).startsWith('-----BEGIN CERTIFICATE-----');

/** What the app knows about its enrollment with one gateway (in memory: the stored parts are below). */
export const enrollmentRecord = z.strictObject({
  gateway: httpsOrigin,
  /**
   * The CA pins this enrollment accepts: the invite link's (primary, optional backup), then those
   * the gateway announced over the pinned connection for a CA rotation (trust/announced-pins.ts).
   */
  pins: z.array(spkiPin).min(1).max(MAX_HELD_PINS),
  /**
   * The gateway CA received at enrollment, plus those adopted by the backup pin after a rotation.
   * Public data kept on disk (vault/ca-files.ts), not in the keychain; may be empty after a data
   * directory was cleared, when the pinned transport adopts the CA again as at enrollment.
   */
  caPems: z.array(caPem).max(4),
  deviceId,
  tester: email,
  /** The gateway's salt for the machine-id hash. */
  salt: b64u,
  enrolledAt: isoTime,
  policy: clientPolicy,
});
export type EnrollmentRecord = z.infer<typeof enrollmentRecord>;

const b64u32 = b64u.refine((v) => v.length === 43, 'must be 32 bytes');

/** The device's private key as a JWK: P-256 only. */
export const devicePrivateJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: b64u32,
  y: b64u32,
  d: b64u32,
  ext: z.boolean().optional(),
  key_ops: z.array(z.string()).optional(),
});
export type DevicePrivateJwk = z.infer<typeof devicePrivateJwk>;

/**
 * Windows Credential Manager refuses a secret much above 2,560 bytes; the entry is kept under
 * this bound, whatever the CAs, because they are no longer in it.
 */
export const MAX_KEYCHAIN_ENTRY_BYTES = 2048;

/**
 * One keychain secret (service `Airlock`, account = gateway origin): the key and a small record.
 * The gateway CAs live in the app's data directory (public data, checked against the pins).
 * `key` is the private JWK of a keychain key, or for a TPM key (`kind: "tpm"`) only its public part
 * and the TPM's wrapped blob (tpm/key-record.ts).
 */
export const vaultEntry = z.strictObject({
  v: z.literal(2),
  key: z.union([devicePrivateJwk, tpmKeyRecord]),
  record: enrollmentRecord.omit({ caPems: true }),
});
export type VaultEntry = z.infer<typeof vaultEntry>;

/** The first format, which also held up to four CA certificates; read and rewritten as `v: 2`. */
export const vaultEntryV1 = z.strictObject({
  v: z.literal(1),
  key: devicePrivateJwk,
  record: enrollmentRecord.extend({ caPems: z.array(caPem).min(1).max(4) }),
});
