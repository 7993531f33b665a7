import { MAX_DATA_SIZE, MAX_NAME_SIZE, TPM_ALG } from './constants.js';
import { TpmParseError, TpmReader } from './reader.js';

/** A TPMS_ATTEST (TPM 2.0 part 2, 10.12.12) of type certify; any other type is reported by `type`. */
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
  /** TPMS_CERTIFY_INFO, present when `type` is TPM_ST_ATTEST_CERTIFY. */
  certified: { name: Uint8Array; qualifiedName: Uint8Array } | null;
}

const MAX_ATTEST = 1024;

/** The attestation data as `tpm2_certify -o` writes it (no size prefix), parsed strictly. */
export function parseTpmsAttest(bytes: Uint8Array, certifyType: number): TpmsAttest {
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
  if (type === certifyType) {
    const name = r.sized('attested.name', MAX_NAME_SIZE);
    const qualifiedName = r.sized('attested.qualifiedName', MAX_NAME_SIZE);
    certified = { name, qualifiedName };
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
