import { concatBytes, sha256 } from '../encoding.js';
import { TPM_ALG } from './constants.js';
import type { TpmPublic } from './public-area.js';

/**
 * The Name of an object (part 1, 16): its nameAlg (2 bytes) and the digest of its TPMT_PUBLIC.
 * Only SHA-256 names are computed: every key Airlock accepts has that nameAlg.
 */
export async function tpmName(pub: TpmPublic): Promise<Uint8Array> {
  if (pub.nameAlg !== TPM_ALG.SHA256) throw new TypeError('only SHA-256 Names are supported');
  return concatBytes(new Uint8Array([0x00, 0x0b]), await sha256(pub.publicArea));
}
