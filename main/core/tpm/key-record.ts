import { z } from 'zod';
import { b64u, ecPublicJwk } from '../../../protocol/schemas/common.js';

/**
 * How the device key's parent is rebuilt: a primary key under the owner (storage) hierarchy from
 * a fixed template. A primary from the same template in the same TPM is the same key (derived from
 * the hierarchy's seed), so it is never stored: `tpm2_createprimary` makes it again when needed.
 */
export const STORAGE_PARENT = 'owner/ecc256:aes128cfb/sha256/restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda' as const;

/**
 * A TPM device key as the keychain keeps it: the public part (JWK, and the TPM2B_PUBLIC the TPM
 * made) and the TPM's wrapped private blob (TPM2B_PRIVATE), which only the TPM that made it can
 * load (it is encrypted under that TPM's storage parent). No private key material.
 */
export const tpmKeyRecord = z.strictObject({
  kind: z.literal('tpm'),
  publicJwk: ecPublicJwk,
  /** TPM2B_PUBLIC, b64u. */
  public: b64u.max(1400),
  /** TPM2B_PRIVATE (the wrapped blob), b64u. */
  private: b64u.max(1400),
  parent: z.literal(STORAGE_PARENT),
});
export type TpmKeyRecord = z.infer<typeof tpmKeyRecord>;
