/**
 * The app's half of PROTOCOL.md "TPM-bound device keys", steps 2-4: the TPM work that needs no
 * nonce (EK certificate, EK, AK, device key) starts at once, beside the challenge; with the nonce,
 * the activation request goes out while the TPM certifies the device key over SHA-256(nonce), then
 * the TPM activates the gateway's credential. Everything happens in one private work directory,
 * removed by `close()`.
 */
import { createHash } from 'node:crypto';
import { b64uDecode, b64uEncode } from '../../../protocol/encoding.js';
import type { TpmActivationRequest, TpmActivationResponse, TpmEnrollProof } from '../../../protocol/schemas/tpm.js';
import type { TpmKeyRecord } from './key-record.js';
import { activateCredential, certifyDeviceKey, createAk, createDeviceKey, createEk, readEkCertificate } from './tpm-device.js';
import type { TpmTools, WorkDir } from './tpm-tools.js';

export interface TpmEnrollment {
  /** The device key, made in the TPM (its record holds no private part). */
  readonly key: Promise<TpmKeyRecord>;
  /** The proof for `POST /v1/enroll`'s `tpm` object; `activate` posts the activation request. */
  prove(input: { code: string; nonce: string; activate: (request: TpmActivationRequest) => Promise<TpmActivationResponse> }): Promise<TpmEnrollProof>;
  /** Removes the work directory. Safe to call twice. */
  close(): Promise<void>;
}

/** The qualifying data of the certification: SHA-256 of the nonce string's UTF-8 bytes. */
export function certifyQualifyingData(nonce: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(nonce, 'utf8').digest());
}

export function startTpmEnrollment(tools: TpmTools): TpmEnrollment {
  const dir: Promise<WorkDir> = tools.openWorkDir();
  const prepared = dir.then(async (d) => {
    const ek = await readEkCertificate(tools, d);
    await createEk(tools, d, ek.keyType);
    const akPublic = await createAk(tools, d);
    const key = await createDeviceKey(tools, d);
    return { ekCert: ek.der, akPublic, key };
  });
  prepared.catch(() => undefined);
  const key = prepared.then((p) => p.key);
  key.catch(() => undefined);

  return {
    key,
    async prove({ code, nonce, activate }) {
      const d = await dir;
      const { ekCert, akPublic, key: device } = await prepared;
      const activation = activate({ code, nonce, ekCert: b64uEncode(ekCert), akPublic: b64uEncode(akPublic) });
      activation.catch(() => undefined);
      const certified = await certifyDeviceKey(tools, d, certifyQualifyingData(nonce));
      const { activationId, credentialBlob, encryptedSecret } = await activation;
      const secret = await activateCredential(tools, d, b64uDecode(credentialBlob), b64uDecode(encryptedSecret));
      return {
        activationId,
        secret: b64uEncode(secret),
        akPublic: b64uEncode(akPublic),
        devicePublic: device.public,
        certifyInfo: b64uEncode(certified.certifyInfo),
        certifySignature: b64uEncode(certified.certifySignature),
      };
    },
    async close() {
      await (await dir.catch(() => null))?.remove();
    },
  };
}
