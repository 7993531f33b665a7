/** TPM 2.0 constants (TPM 2.0 Library, part 2) that Airlock's TPM proof reads. */

export const TPM_ALG = {
  RSA: 0x0001,
  SHA256: 0x000b,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  ECSCHNORR: 0x001c,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  KEYEDHASH: 0x0008,
  AES: 0x0006,
  CFB: 0x0043,
  SM2: 0x001b,
} as const;

export const TPM_ECC_NIST_P256 = 0x0003;

/** TPMA_OBJECT bits. */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  stClear: 1 << 2,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  adminWithPolicy: 1 << 7,
  noDA: 1 << 10,
  encryptedDuplication: 1 << 11,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;
export type ObjectAttribute = keyof typeof TPMA_OBJECT;

/** TPM_GENERATED_VALUE: the first four bytes of every TPMS_ATTEST the TPM makes. */
export const TPM_GENERATED_VALUE = 0xff544347;
/** TPM_ST_ATTEST_CERTIFY (TPM2_Certify) and TPM_ST_ATTEST_CREATION (TPM2_CertifyCreation). */
export const TPM_ST_ATTEST_CERTIFY = 0x8017;
export const TPM_ST_ATTEST_CREATION = 0x801a;

/** Bytes of a SHA-256 digest, the only name algorithm accepted. */
export const SHA256_SIZE = 32;
/** Largest TPM2B_NAME (an algorithm id and a SHA-512 digest) and TPM2B_DATA (TPMT_HA). */
export const MAX_NAME_SIZE = 2 + 64;
export const MAX_DATA_SIZE = 2 + 64;
