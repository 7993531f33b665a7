import { z } from 'zod';
import { b64u, sha256Hex } from './common.js';

export const platform = z.enum(['linux', 'darwin', 'win32']);
export type Platform = z.infer<typeof platform>;

export const keyStorage = z.enum(['keychain', 'tpm', 'secure-enclave']);
export type KeyStorage = z.infer<typeof keyStorage>;
/** Ordered weakest to strongest, for `minKeyStorage`. */
export const KEY_STORAGE_RANK: Record<KeyStorage, number> = { keychain: 0, tpm: 1, 'secure-enclave': 1 };

export const appVersion = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version');

/** The device evidence of PROTOCOL.md ("Enrollment"). Unknown fields are refused. */
export const evidence = z.strictObject({
  platform,
  osRelease: z.string().min(1).max(200),
  arch: z.string().regex(/^[a-z0-9_]{1,16}$/),
  appVersion,
  buildId: z.union([sha256Hex, z.literal('dev')]),
  packaged: z.boolean(),
  machineIdHash: b64u.refine((v) => v.length === 43, 'must be a b64u SHA-256'),
  diskEncryption: z.enum(['on', 'off', 'unknown']),
  debugger: z.boolean(),
  keyStorage,
});
export type Evidence = z.infer<typeof evidence>;
