import { TPM_ALG, TPMA_OBJECT, type ObjectAttribute } from './constants.js';
import { TpmParseError, TpmReader } from './reader.js';

/** A parsed TPM2B_PUBLIC (TPM 2.0 part 2, 12.2): what Airlock reads of AKs and device keys. */
export type TpmPublicKey =
  | { kind: 'ecc'; curve: number; x: Uint8Array; y: Uint8Array }
  | { kind: 'rsa'; bits: number; exponent: number; modulus: Uint8Array };

export interface TpmPublic {
  /** TPM_ALG_RSA or TPM_ALG_ECC. */
  type: number;
  nameAlg: number;
  attributes: number;
  authPolicy: Uint8Array;
  /** The symmetric algorithm of a storage key (TPM_ALG_NULL for a signing key). */
  symmetric: number;
  /** The signing scheme (TPM_ALG_NULL: any the key allows), and its hash. */
  scheme: number;
  schemeHash: number | null;
  /** ECC only: the key derivation scheme (TPM_ALG_NULL for a signing key). */
  kdf: number | null;
  key: TpmPublicKey;
  /** The TPMT_PUBLIC bytes (the TPM2B's content): what the Name is computed over. */
  publicArea: Uint8Array;
}

/** Bound of a TPM2B_PUBLIC on the wire and of each field in it. */
const MAX_PUBLIC = 1024;
const MAX_DIGEST = 64;
const MAX_ECC_COORD = 66;
const MAX_RSA_MODULUS = 512;

function readSymmetric(r: TpmReader): number {
  const algorithm = r.u16('symmetric.algorithm');
  if (algorithm !== TPM_ALG.NULL) {
    r.u16('symmetric.keyBits');
    r.u16('symmetric.mode');
  }
  return algorithm;
}

function readScheme(r: TpmReader, field: string): { scheme: number; hash: number | null } {
  const scheme = r.u16(`${field}.scheme`);
  if (scheme === TPM_ALG.NULL) return { scheme, hash: null };
  const hash = r.u16(`${field}.hashAlg`);
  // ECDAA's details add a count (TPMS_SCHEME_ECDAA).
  if (scheme === TPM_ALG.ECDAA) r.u16(`${field}.count`);
  return { scheme, hash };
}

/** The content of a TPM2B_PUBLIC, i.e. a TPMT_PUBLIC, parsed strictly (RSA and ECC only). */
export function parseTpmtPublic(publicArea: Uint8Array): TpmPublic {
  const r = new TpmReader(publicArea, 'TPMT_PUBLIC');
  const type = r.u16('type');
  const nameAlg = r.u16('nameAlg');
  const attributes = r.u32('objectAttributes');
  const authPolicy = r.sized('authPolicy', MAX_DIGEST);
  let result: TpmPublic;
  if (type === TPM_ALG.ECC) {
    const symmetric = readSymmetric(r);
    const { scheme, hash } = readScheme(r, 'scheme');
    const curve = r.u16('curveID');
    const kdf = r.u16('kdf.scheme');
    if (kdf !== TPM_ALG.NULL) r.u16('kdf.hashAlg');
    const x = r.sized('unique.x', MAX_ECC_COORD);
    const y = r.sized('unique.y', MAX_ECC_COORD);
    result = { type, nameAlg, attributes, authPolicy, symmetric, scheme, schemeHash: hash, kdf, key: { kind: 'ecc', curve, x, y }, publicArea };
  } else if (type === TPM_ALG.RSA) {
    const symmetric = readSymmetric(r);
    const { scheme, hash } = readScheme(r, 'scheme');
    const bits = r.u16('keyBits');
    const exponent = r.u32('exponent');
    const modulus = r.sized('unique.rsa', MAX_RSA_MODULUS);
    result = { type, nameAlg, attributes, authPolicy, symmetric, scheme, schemeHash: hash, kdf: null, key: { kind: 'rsa', bits, exponent: exponent === 0 ? 65537 : exponent, modulus }, publicArea };
  } else {
    throw new TpmParseError(`TPMT_PUBLIC: type 0x${type.toString(16)} is neither RSA nor ECC`);
  }
  r.end();
  return result;
}

/** A TPM2B_PUBLIC as `tpm2_createak -u` / `tpm2_create -u` write it (2-byte size, then TPMT_PUBLIC). */
export function parseTpm2bPublic(bytes: Uint8Array): TpmPublic {
  if (bytes.length > MAX_PUBLIC + 2) throw new TpmParseError(`TPM2B_PUBLIC: ${bytes.length} bytes, more than ${MAX_PUBLIC + 2}`);
  const r = new TpmReader(bytes, 'TPM2B_PUBLIC');
  const publicArea = r.sized('publicArea', MAX_PUBLIC);
  r.end();
  return parseTpmtPublic(publicArea);
}

export function hasAttribute(pub: TpmPublic, attribute: ObjectAttribute): boolean {
  return (pub.attributes & TPMA_OBJECT[attribute]) !== 0;
}
