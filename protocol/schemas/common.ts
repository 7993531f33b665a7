import { z } from 'zod';
import { isB64u } from '../encoding.js';
import { ERROR_CODES } from '../errors.js';

export const b64u = z.string().max(8192).refine(isB64u, 'must be base64url without padding');
/** Whole seconds since the epoch. */
export const epochSeconds = z.number().int().nonnegative();
/** An ISO 8601 UTC timestamp (`...At` fields). */
export const isoTime = z.iso.datetime();
export const compactJws = z
  .string()
  .max(16384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');
export const deviceId = z.string().regex(/^dev_[A-Za-z0-9_-]{16,64}$/, 'must be a device id');
export const inviteId = z.string().regex(/^inv_[A-Za-z0-9_-]{8,64}$/, 'must be an invite id');
export const email = z.email().max(254);
/** The invite code: b64u of 32 random bytes. */
export const inviteCode = b64u.refine((v) => v.length === 43, 'must be 32 bytes of base64url');

/** An `https:` origin with no path, query or fragment (the gateway URL in links and tokens). */
export const httpsOrigin = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && url.origin === value && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an https origin such as https://gateway.example:8443');

/** `sha256/<standard base64 of 32 bytes>` */
export const spkiPin = z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/, 'must be sha256/<base64 of a SHA-256>');

/** The P-256 public JWK embedded in proofs and attestations: public members only. */
export const ecPublicJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: b64u.refine((v) => v.length === 43, 'x must be 32 bytes'),
  y: b64u.refine((v) => v.length === 43, 'y must be 32 bytes'),
  // Tolerated members some libraries add; never a private member (`d` is refused by strictness).
  alg: z.literal('ES256').optional(),
  use: z.literal('sig').optional(),
  kid: z.string().max(128).optional(),
});
export type EcPublicJwk = z.infer<typeof ecPublicJwk>;

export const errorCode = z.enum(ERROR_CODES);

/** A lock's notice (`device_locked` refusals and the `locked` control event): docs/PROTOCOL-CHANGES.md. */
export const lockNotice = z.strictObject({
  message: z.string().max(500).nullable(),
  until: z.iso.datetime().nullable(),
  /** Only when the admin asked for it: absent otherwise, so apps that predate it read every other lock. */
  wipeHistory: z.literal(true).optional(),
});

export const errorBody = z.strictObject({
  error: z.strictObject({
    code: errorCode,
    message: z.string().max(2000),
    /** Only with `device_locked`. */
    lock: lockNotice.optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
