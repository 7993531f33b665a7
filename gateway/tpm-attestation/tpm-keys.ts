import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AirlockError } from '../../protocol/errors.js';
import { TPM_ALG, TPM_ECC_NIST_P256 } from '../../protocol/tpm/constants.js';
import type { TpmSignature } from '../../protocol/tpm/attest.js';
import { hasAttribute, type TpmPublic } from '../../protocol/tpm/public-area.js';

function certifyInvalid(reason: string): AirlockError {
  return new AirlockError('tpm_certify_invalid', `The TPM did not prove that the device key is held in it: ${reason}. Start the enrollment again; if it happens again, tell your admin.`);
}
export { certifyInvalid };

const pad32 = (v: Uint8Array): Buffer => Buffer.concat([Buffer.alloc(Math.max(0, 32 - v.length)), Buffer.from(v)]);

/** The public key of a TPM RSA or ECC P-256 key, for node:crypto. */
export function keyObjectOf(pub: TpmPublic): KeyObject {
  if (pub.key.kind === 'ecc') {
    if (pub.key.curve !== TPM_ECC_NIST_P256 || pub.key.x.length > 32 || pub.key.y.length > 32) throw certifyInvalid('a key is on a curve other than NIST P-256');
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: pad32(pub.key.x).toString('base64url'), y: pad32(pub.key.y).toString('base64url') }, format: 'jwk' });
  }
  const e = Buffer.alloc(4);
  e.writeUInt32BE(pub.key.exponent);
  return createPublicKey({ key: { kty: 'RSA', n: Buffer.from(pub.key.modulus).toString('base64url'), e: e.subarray(e.findIndex((b) => b !== 0)).toString('base64url') }, format: 'jwk' });
}

/** The attributes every TPM-resident key must have: made in this TPM and never leaving it. */
function requireResident(pub: TpmPublic, what: string): void {
  if (pub.nameAlg !== TPM_ALG.SHA256) throw certifyInvalid(`the ${what}'s name algorithm is not SHA-256`);
  for (const attribute of ['fixedTPM', 'fixedParent', 'sensitiveDataOrigin', 'sign'] as const) {
    if (!hasAttribute(pub, attribute)) throw certifyInvalid(`the ${what} lacks the ${attribute} attribute`);
  }
  if (hasAttribute(pub, 'decrypt')) throw certifyInvalid(`the ${what} can decrypt; it must be sign-only`);
}

/**
 * The attestation key: a restricted signing key of this TPM (it signs only structures the TPM
 * made), ECC P-256 with ECDSA-SHA256 or RSA 2048 with RSASSA/RSAPSS-SHA256 (or a NULL scheme the
 * signature then names).
 */
export function checkAttestationKey(ak: TpmPublic): void {
  requireResident(ak, 'attestation key');
  if (!hasAttribute(ak, 'restricted')) throw certifyInvalid('the attestation key is not restricted');
  if (ak.key.kind === 'ecc') {
    if (ak.key.curve !== TPM_ECC_NIST_P256) throw certifyInvalid('the attestation key is not on NIST P-256');
    if (ak.scheme !== TPM_ALG.ECDSA || ak.schemeHash !== TPM_ALG.SHA256) throw certifyInvalid('the attestation key does not sign with ECDSA-SHA256');
  } else {
    if (ak.key.bits !== 2048) throw certifyInvalid('the attestation key is not RSA 2048');
    if (!((ak.scheme === TPM_ALG.RSASSA || ak.scheme === TPM_ALG.RSAPSS) && ak.schemeHash === TPM_ALG.SHA256)) throw certifyInvalid('the attestation key does not sign with RSASSA or RSAPSS over SHA-256');
  }
}

/** The device key: ECC P-256, a general signing key (not restricted: it signs JWS), resident. */
export function checkDeviceKey(device: TpmPublic): void {
  requireResident(device, 'device key');
  if (hasAttribute(device, 'restricted')) throw certifyInvalid('the device key is restricted, so it cannot sign attestations');
  if (device.key.kind !== 'ecc' || device.key.curve !== TPM_ECC_NIST_P256) throw certifyInvalid('the device key is not ECC NIST P-256');
  if (!(device.scheme === TPM_ALG.NULL || (device.scheme === TPM_ALG.ECDSA && device.schemeHash === TPM_ALG.SHA256))) throw certifyInvalid('the device key does not sign with ECDSA-SHA256');
}

/** Verifies a TPMT_SIGNATURE by the AK over `data` (the TPM signs SHA-256(data)). */
export function verifyTpmSignature(ak: TpmPublic, data: Uint8Array, signature: TpmSignature): boolean {
  if (signature.hash !== TPM_ALG.SHA256) return false;
  const key = keyObjectOf(ak);
  if (signature.alg === TPM_ALG.ECDSA) {
    if (ak.key.kind !== 'ecc' || signature.r.length > 32 || signature.s.length > 32) return false;
    return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([pad32(signature.r), pad32(signature.s)]));
  }
  if (ak.key.kind !== 'rsa') return false;
  const padding = signature.alg === TPM_ALG.RSAPSS ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
  return verify('sha256', data, { key, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature.signature);
}
