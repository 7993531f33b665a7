import { createHash } from 'node:crypto';
import { b64uDecode } from '../../protocol/encoding.js';
import type { EcPublicJwk } from '../../protocol/schemas/common.js';
import type { TpmEnrollProof } from '../../protocol/schemas/tpm.js';
import { parseTpmsAttest, parseTpmtSignature } from '../../protocol/tpm/attest.js';
import { TPM_GENERATED_VALUE, TPM_ST_ATTEST_CERTIFY, TPM_ST_ATTEST_CREATION } from '../../protocol/tpm/constants.js';
import { p256JwkOfTpmPublic } from '../../protocol/tpm/key-jwk.js';
import { tpmName } from '../../protocol/tpm/name.js';
import { parseTpm2bPublic, type TpmPublic } from '../../protocol/tpm/public-area.js';
import { TpmParseError } from '../../protocol/tpm/reader.js';
import { certifyInvalid, checkAttestationKey, checkDeviceKey, verifyTpmSignature } from './tpm-keys.js';

/** The qualifying data the app asks the TPM to sign into its certification: SHA-256 of the nonce. */
export function certifyQualifyingData(nonce: string): Buffer {
  return createHash('sha256').update(nonce, 'utf8').digest();
}

/** Parses a TPM2B_PUBLIC the app sent; a malformed one is `tpm_certify_invalid` naming the field. */
export function parsePublicField(b64u: string, field: string): TpmPublic {
  try {
    return parseTpm2bPublic(b64uDecode(b64u));
  } catch (error) {
    throw certifyInvalid(`${field} is not a TPM public area (${error instanceof TpmParseError ? error.message : 'unreadable'})`);
  }
}

/** The attestation key of an activation request or enrollment, checked, and its Name. */
export async function attestationKeyOf(akPublic: string): Promise<{ ak: TpmPublic; name: Uint8Array }> {
  const ak = parsePublicField(akPublic, 'akPublic');
  checkAttestationKey(ak);
  return { ak, name: await tpmName(ak) };
}

/**
 * TPM2_CertifyCreation (or TPM2_Certify) of the device key by the AK: the TPM says, signed with an
 * AK proven to sit beside the EK, that the object named Name(devicePublic) is loaded in it, for
 * this enrollment's nonce; devicePublic is a resident P-256 signing key whose point is the
 * attestation's key. Anything else is `tpm_certify_invalid`.
 */
export async function verifyCertification(proof: TpmEnrollProof, ak: TpmPublic, attestationJwk: EcPublicJwk, nonce: string): Promise<void> {
  const device = parsePublicField(proof.devicePublic, 'devicePublic');
  checkDeviceKey(device);
  const deviceJwk = p256JwkOfTpmPublic(device);
  if (deviceJwk === null || deviceJwk.x !== attestationJwk.x || deviceJwk.y !== attestationJwk.y) {
    throw certifyInvalid('the certified key is not the key that signed the attestation');
  }
  const info = b64uDecode(proof.certifyInfo);
  let attest;
  let signature;
  try {
    attest = parseTpmsAttest(info);
    signature = parseTpmtSignature(b64uDecode(proof.certifySignature));
  } catch (error) {
    throw certifyInvalid(error instanceof TpmParseError ? error.message : 'the certification is unreadable');
  }
  if (attest.magic !== TPM_GENERATED_VALUE) throw certifyInvalid('the certification was not made by a TPM (magic)');
  if (attest.type !== TPM_ST_ATTEST_CREATION && attest.type !== TPM_ST_ATTEST_CERTIFY) throw certifyInvalid('the certification is not a CertifyCreation or Certify');
  if (!Buffer.from(attest.extraData).equals(certifyQualifyingData(nonce))) throw certifyInvalid('the certification was made for another enrollment (its qualifying data is not SHA-256 of this nonce)');
  if (attest.certified === null || !Buffer.from(attest.certified.name).equals(Buffer.from(await tpmName(device)))) {
    throw certifyInvalid('the certification is of another key than devicePublic');
  }
  if (!verifyTpmSignature(ak, info, signature)) throw certifyInvalid('the certification is not signed by the attestation key');
}
