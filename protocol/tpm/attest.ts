import { MAX_DATA_SIZE, MAX_NAME_SIZE, TPM_ALG, TPM_ST_ATTEST_CERTIFY, TPM_ST_ATTEST_CREATION } from './constants.js';
import { TpmParseError, TpmReader } from './reader.js';

/**
 * A TPMS_ATTEST (TPM 2.0 part 2, 10.12.12). The attested part is read for TPM_ST_ATTEST_CERTIFY
 * (TPMS_CERTIFY_INFO: name, qualifiedName) and TPM_ST_ATTEST_CREATION (TPMS_CREATION_INFO:
 * objectName, creationHash); any other type leaves it null (and its bytes unread).
 */
export interface TpmsAttest {
  magic: number;
  type: number;
  qualifiedSigner: Uint8Array;
  extraData: Uint8Array;
  clock: bigint;
  resetCount: number;
  restartCount: number;
  safe: boolean;
  firmwareVersion: bigint;
  /** The certified object's Name (both infos begin with it), for certify and creation types. */
  certified: { name: Uint8Array; second: Uint8Array } | null;
}

const MAX_ATTEST = 1024;

/** The attestation data as `tpm2_certify -o` writes it (no size prefix), parsed strictly. */
export function parseTpmsAttest(bytes: Uint8Array): TpmsAttest {
  if (bytes.length > MAX_ATTEST) throw new TpmParseError(`TPMS_ATTEST: ${bytes.length} bytes, more than ${MAX_ATTEST}`);
  const r = new TpmReader(bytes, 'TPMS_ATTEST');
  const magic = r.u32('magic');
  const type = r.u16('type');
  const qualifiedSigner = r.sized('qualifiedSigner', MAX_NAME_SIZE);
  const extraData = r.sized('extraData', MAX_DATA_SIZE);
  const clock = r.u64('clockInfo.clock');
  const resetCount = r.u32('clockInfo.resetCount');
  const restartCount = r.u32('clockInfo.restartCount');
  const safe = r.u8('clockInfo.safe');
  if (safe > 1) throw new TpmParseError('TPMS_ATTEST: clockInfo.safe is not a TPMI_YES_NO');
  const firmwareVersion = r.u64('firmwareVersion');
  let certified: TpmsAttest['certified'] = null;
  if (type === TPM_ST_ATTEST_CERTIFY || type === TPM_ST_ATTEST_CREATION) {
    const name = r.sized('attested name', MAX_NAME_SIZE);
    // qualifiedName (a Name) or creationHash (a digest): both at most a TPMT_HA.
    const second = r.sized(type === TPM_ST_ATTEST_CERTIFY ? 'attested qualifiedName' : 'attested creationHash', MAX_NAME_SIZE);
    certified = { name, second };
    r.end();
  }
  return { magic, type, qualifiedSigner, extraData, clock, resetCount, restartCount, safe: safe === 1, firmwareVersion, certified };
}

/** A TPMT_SIGNATURE (part 2, 11.3.4) by an ECDSA, RSASSA or RSAPSS key. */
export type TpmSignature =
  | { alg: typeof TPM_ALG.ECDSA; hash: number; r: Uint8Array; s: Uint8Array }
  | { alg: typeof TPM_ALG.RSASSA | typeof TPM_ALG.RSAPSS; hash: number; signature: Uint8Array };

const MAX_SIGNATURE = 1024;

export function parseTpmtSignature(bytes: Uint8Array): TpmSignature {
  if (bytes.length > MAX_SIGNATURE) throw new TpmParseError(`TPMT_SIGNATURE: ${bytes.length} bytes, more than ${MAX_SIGNATURE}`);
  const reader = new TpmReader(bytes, 'TPMT_SIGNATURE');
  const alg = reader.u16('sigAlg');
  let result: TpmSignature;
  if (alg === TPM_ALG.ECDSA) {
    const hash = reader.u16('hash');
    const r = reader.sized('signatureR', 66);
    const s = reader.sized('signatureS', 66);
    result = { alg, hash, r, s };
  } else if (alg === TPM_ALG.RSASSA || alg === TPM_ALG.RSAPSS) {
    const hash = reader.u16('hash');
    const signature = reader.sized('sig', 512);
    result = { alg, hash, signature };
  } else {
    throw new TpmParseError(`TPMT_SIGNATURE: algorithm 0x${alg.toString(16)} is not ECDSA, RSASSA or RSAPSS`);
  }
  reader.end();
  return result;
}
