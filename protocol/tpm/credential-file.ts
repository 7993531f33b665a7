import { concatBytes } from '../encoding.js';

/**
 * The file `tpm2_activatecredential -i` reads and `tpm2_makecredential -o` writes (tpm2-tools 5):
 * magic 0xBADCC0DE, version 1 (both 4 bytes, big-endian), the TPM2B_ID_OBJECT, the
 * TPM2B_ENCRYPTED_SECRET. The wire carries the two TPM2Bs; the app writes this file from them.
 */
export function credentialFile(credentialBlob: Uint8Array, encryptedSecret: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1]), credentialBlob, encryptedSecret);
}

/** Splits such a file back into its two TPM2Bs; null when it is not one. */
export function parseCredentialFile(file: Uint8Array): { credentialBlob: Uint8Array; encryptedSecret: Uint8Array } | null {
  const header = [0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1];
  if (file.length < 12 || header.some((b, i) => file[i] !== b)) return null;
  const blobSize = (file[8]! << 8) | file[9]!;
  const blobEnd = 10 + blobSize;
  if (file.length < blobEnd + 2) return null;
  const secretSize = (file[blobEnd]! << 8) | file[blobEnd + 1]!;
  if (file.length !== blobEnd + 2 + secretSize) return null;
  return { credentialBlob: file.subarray(8, blobEnd), encryptedSecret: file.subarray(blobEnd) };
}
