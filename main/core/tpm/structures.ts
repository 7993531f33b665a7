/**
 * The few TPM 2.0 structures the app reads from tpm2-tools' output files (big-endian, as the TPM
 * marshals them; TPM 2.0 Part 2). Pure and bounded: anything unexpected is a TpmFormatError, never
 * a guess. The structures are parsed by protocol/tpm/, as on the gateway; the app only needs its
 * own key's point and the ECDSA signature as r‖s.
 */
import { parseTpmtSignature } from '../../../protocol/tpm/attest.js';
import { TPM_ALG, TPM_ECC_NIST_P256 } from '../../../protocol/tpm/constants.js';
import { parseTpm2bPublic } from '../../../protocol/tpm/public-area.js';
import { TpmParseError } from '../../../protocol/tpm/reader.js';

export class TpmFormatError extends Error {
  constructor(what: string) {
    super(`tpm: ${what}`);
    this.name = 'TpmFormatError';
  }
}

/**
 * Runs one of protocol/tpm's strict parsers (the same ones the gateway uses), reporting a malformed
 * structure as a TpmFormatError, which the app treats as a TPM that does not work.
 */
function parsed<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof TpmParseError) throw new TpmFormatError(`${what}: ${error.message}`);
    throw error;
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
  const signature = parsed('the TPM signature', () => parseTpmtSignature(tpmtSignature));
  if (signature.alg !== TPM_ALG.ECDSA) throw new TpmFormatError('the TPM signature is not ECDSA');
  if (signature.hash !== TPM_ALG.SHA256) throw new TpmFormatError('the TPM signature is not over SHA-256');
  const out = new Uint8Array(64);
  out.set(fixed32(signature.r, 'signature r'), 0);
  out.set(fixed32(signature.s, 'signature s'), 32);
  return out;
}

export interface EccP256Public {
  x: Uint8Array;
  y: Uint8Array;
  /** TPMA_OBJECT bits. */
  objectAttributes: number;
}

/**
 * TPM2B_PUBLIC of an ECC NIST P-256 key (`tpm2_create -u`, format tss) → its point and attributes.
 * Refuses any other key type or curve.
 */
export function parseEccP256Public(tpm2bPublic: Uint8Array): EccP256Public {
  const pub = parsed('the TPM public key', () => parseTpm2bPublic(tpm2bPublic));
  if (pub.key.kind !== 'ecc') throw new TpmFormatError('the TPM key is not an ECC key');
  if (pub.nameAlg !== TPM_ALG.SHA256) throw new TpmFormatError('the TPM key\'s name algorithm is not SHA-256');
  if (pub.key.curve !== TPM_ECC_NIST_P256) throw new TpmFormatError('the TPM key is not on NIST P-256');
  return { x: fixed32(pub.key.x, 'the key\'s x'), y: fixed32(pub.key.y, 'the key\'s y'), objectAttributes: pub.attributes };
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
