import { z } from 'zod';
import { b64u, deviceId, email, httpsOrigin, isoTime, spkiPin } from '../../../protocol/schemas/common.js';
import { clientPolicy } from '../../../protocol/schemas/policy.js';

/** What the app keeps about its enrollment with one gateway (all of it in the keychain, none on disk). */
export const enrollmentRecord = z.strictObject({
  gateway: httpsOrigin,
  /** The invite link's pin set: primary, then an optional backup. */
  pins: z.array(spkiPin).min(1).max(2),
  /** The gateway CA received at enrollment, plus one adopted by its backup pin after a rotation. */
  caPems: z.array(z.string().min(100).max(10_000).startsWith('-----BEGIN CERTIFICATE-----')).min(1).max(4),
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

/** One keychain secret (service `Airlock`, account = gateway origin). Versioned for later formats. */
export const vaultEntry = z.strictObject({
  v: z.literal(1),
  key: devicePrivateJwk,
  record: enrollmentRecord,
});
export type VaultEntry = z.infer<typeof vaultEntry>;
