/**
 * The few TPM 2.0 structures the app reads from tpm2-tools' output files (big-endian, as the TPM
 * marshals them; TPM 2.0 Part 2). Pure and bounded: anything unexpected is a TpmFormatError, never
 * a guess. The gateway parses the full structures; the app only needs its own key's point and the
 * ECDSA signature as r‖s.
 */

export class TpmFormatError extends Error {
  constructor(what: string) {
    super(`tpm: ${what}`);
    this.name = 'TpmFormatError';
  }
}

const TPM_ALG_ECC = 0x0023;
const TPM_ALG_ECDSA = 0x0018;
const TPM_ALG_SHA256 = 0x000b;
const TPM_ECC_NIST_P256 = 0x0003;
const MAX_STRUCTURE_BYTES = 4096;

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array, private readonly what: string) {
    if (bytes.length > MAX_STRUCTURE_BYTES) throw new TpmFormatError(`${what} is too large (${bytes.length} bytes)`);
  }
  u16(): number {
    if (this.at + 2 > this.bytes.length) throw new TpmFormatError(`${this.what} is truncated`);
    const v = (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]!;
    this.at += 2;
    return v;
  }
  u32(): number {
    const hi = this.u16();
    return hi * 0x10000 + this.u16();
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw new TpmFormatError(`${this.what} is truncated`);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  sized(): Uint8Array {
    return this.take(this.u16());
  }
  end(): void {
    if (this.at !== this.bytes.length) throw new TpmFormatError(`${this.what} has ${this.bytes.length - this.at} trailing bytes`);
  }
}

/** A P-256 coordinate or scalar as exactly 32 bytes (TPM2B_ECC_PARAMETER may drop leading zeros). */
function fixed32(value: Uint8Array, what: string): Uint8Array {
  if (value.length > 32) throw new TpmFormatError(`${what} is longer than 32 bytes`);
  const out = new Uint8Array(32);
  out.set(value, 32 - value.length);
  return out;
}

/**
 * TPMT_SIGNATURE (`tpm2_sign -f tss`) of an ECDSA/SHA-256 signature → the 64-byte r‖s that JWS
 * ES256 uses (RFC 7518 3.4).
 */
export function ecdsaSignatureToJose(tpmtSignature: Uint8Array): Uint8Array {
  const r = new Reader(tpmtSignature, 'the TPM signature');
  if (r.u16() !== TPM_ALG_ECDSA) throw new TpmFormatError('the TPM signature is not ECDSA');
  if (r.u16() !== TPM_ALG_SHA256) throw new TpmFormatError('the TPM signature is not over SHA-256');
  const sigR = fixed32(r.sized(), 'signature r');
  const sigS = fixed32(r.sized(), 'signature s');
  r.end();
  const out = new Uint8Array(64);
  out.set(sigR, 0);
  out.set(sigS, 32);
  return out;
}

export interface EccP256Public {
  x: Uint8Array;
  y: Uint8Array;
  /** TPMA_OBJECT bits. */
  objectAttributes: number;
}

/** TPMA_OBJECT bits the device key must (and must not) carry (Part 2, 8.3). */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;

/**
 * TPM2B_PUBLIC of an ECC NIST P-256 key (`tpm2_create -u`, format tss) → its point and attributes.
 * Refuses any other key type or curve.
 */
export function parseEccP256Public(tpm2bPublic: Uint8Array): EccP256Public {
  const outer = new Reader(tpm2bPublic, 'the TPM public key');
  const body = outer.sized();
  outer.end();
  const r = new Reader(body, 'the TPM public key');
  if (r.u16() !== TPM_ALG_ECC) throw new TpmFormatError('the TPM key is not an ECC key');
  if (r.u16() !== TPM_ALG_SHA256) throw new TpmFormatError('the TPM key\'s name algorithm is not SHA-256');
  const objectAttributes = r.u32();
  r.sized(); // authPolicy
  // TPMS_ECC_PARMS: symmetric (TPMT_SYM_DEF_OBJECT: algorithm, then key bits and mode unless NULL)
  const symmetric = r.u16();
  if (symmetric !== 0x0010) r.take(4);
  // scheme (TPMT_ECC_SCHEME: algorithm, then its hash unless NULL)
  const scheme = r.u16();
  if (scheme !== 0x0010) r.u16();
  if (r.u16() !== TPM_ECC_NIST_P256) throw new TpmFormatError('the TPM key is not on NIST P-256');
  // kdf (TPMT_KDF_SCHEME)
  const kdf = r.u16();
  if (kdf !== 0x0010) r.u16();
  const x = fixed32(r.sized(), 'the key\'s x');
  const y = fixed32(r.sized(), 'the key\'s y');
  r.end();
  return { x, y, objectAttributes };
}

/** Strips the padding some TPMs leave after a DER certificate in NV (reads the outer TLV length). */
export function derCertificateLength(bytes: Uint8Array): number {
  if (bytes.length < 4 || bytes[0] !== 0x30) throw new TpmFormatError('the EK certificate is not DER');
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 3 || bytes.length < 2 + count) throw new TpmFormatError('the EK certificate has a bad length');
  let length = 0;
  for (let i = 0; i < count; i += 1) length = length * 256 + bytes[2 + i]!;
  const total = 2 + count + length;
  if (total > bytes.length) throw new TpmFormatError('the EK certificate is truncated');
  return total;
}
