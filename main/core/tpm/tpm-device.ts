/**
 * The TPM 2.0 operations Airlock's device key needs, each a short sequence of tpm2-tools calls in
 * a private work directory (tpm-tools.ts). PROTOCOL.md "TPM-bound device keys" says what the
 * gateway checks; this module makes what it checks:
 *   EK certificate (NV), EK (TCG default template), AK under the EK, device key (ECC P-256,
 *   sign-only, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth) under a storage primary,
 *   TPM2_CertifyCreation of the device key by the AK over SHA-256(nonce), ActivateCredential,
 *   and ECDSA signatures as JWS r‖s.
 * The device key's private part never leaves the TPM: tpm2_create returns it wrapped under the
 * storage primary, and only that blob (with the public part) is kept.
 */
import { createHash } from 'node:crypto';
import { b64uDecode, b64uEncode } from '../../../protocol/encoding.js';
import { credentialFile } from '../../../protocol/tpm/credential-file.js';
import type { Es256Signer } from '../../../protocol/jws/signer.js';
import type { EcPublicJwk } from '../../../protocol/schemas/common.js';
import { STORAGE_PARENT, type TpmKeyRecord } from './key-record.js';
import { derCertificateLength, ecdsaSignatureToJose, parseEccP256Public, TpmFormatError } from './structures.js';
import type { TpmTools, WorkDir } from './tpm-tools.js';

/** The TPM holds no EK certificate: it cannot prove who made it, so the gateway could not trust it. */
export class NoEkCertificate extends TpmFormatError {
  constructor() {
    super('this TPM holds no endorsement key certificate (NV 0x01c00002 or 0x01c0000a)');
    this.name = 'NoEkCertificate';
  }
}

/** TCG EK credential profile NV indices (low range): RSA 2048 and ECC P-256 EK certificates. */
export const EK_CERT_NV_INDEX = { rsa: '0x01c00002', ecc: '0x01c0000a' } as const;

const PRIMARY_ATTRIBUTES = 'restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda';
const DEVICE_KEY_ATTRIBUTES = 'sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** Which EK certificate the TPM holds (RSA first: the gateway supports RSA EKs). */
export async function readEkCertificate(tools: TpmTools, dir: WorkDir): Promise<{ der: Uint8Array; keyType: 'rsa' | 'ecc' }> {
  for (const keyType of ['rsa', 'ecc'] as const) {
    const out = `ek-${keyType}.der`;
    try {
      await tools.run('tpm2_nvread', [EK_CERT_NV_INDEX[keyType], '-C', 'o', '-o', dir.file(out)], dir.path);
    } catch {
      continue;
    }
    const bytes = await dir.read(out);
    return { der: bytes.subarray(0, derCertificateLength(bytes)), keyType };
  }
  throw new NoEkCertificate();
}

/** The EK (TCG default template, the one its certificate names); its context is `ek.ctx`. */
export async function createEk(tools: TpmTools, dir: WorkDir, keyType: 'rsa' | 'ecc'): Promise<void> {
  await tools.run('tpm2_createek', ['-c', dir.file('ek.ctx'), '-G', keyType, '-u', dir.file('ek.pub')], dir.path);
}

/** A fresh AK under the EK (ECC P-256, ECDSA-SHA256); `ak.ctx`; returns its TPM2B_PUBLIC. */
export async function createAk(tools: TpmTools, dir: WorkDir): Promise<Uint8Array> {
  await tools.run('tpm2_createak', ['-C', dir.file('ek.ctx'), '-c', dir.file('ak.ctx'), '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', dir.file('ak.pub'), '-n', dir.file('ak.name')], dir.path);
  return dir.read('ak.pub');
}

/** The storage parent, rebuilt from its fixed template (STORAGE_PARENT); `parent.ctx`. */
async function createStorageParent(tools: TpmTools, dir: WorkDir): Promise<void> {
  await tools.run('tpm2_createprimary', ['-C', 'o', '-G', 'ecc256:aes128cfb', '-g', 'sha256', '-a', PRIMARY_ATTRIBUTES, '-c', dir.file('parent.ctx')], dir.path);
}

export function publicJwkOfTpmKey(tpm2bPublic: Uint8Array): EcPublicJwk {
  const { x, y } = parseEccP256Public(tpm2bPublic);
  return { kty: 'EC', crv: 'P-256', x: b64uEncode(x), y: b64uEncode(y) };
}

/**
 * Makes the device key inside the TPM and loads it (`device.ctx`); the creation hash and ticket
 * (for CertifyCreation) stay in the work dir. Returns the record the keychain keeps.
 */
export async function createDeviceKey(tools: TpmTools, dir: WorkDir): Promise<TpmKeyRecord> {
  await createStorageParent(tools, dir);
  await tools.run(
    'tpm2_create',
    ['-C', dir.file('parent.ctx'), '-G', 'ecc256:ecdsa-sha256', '-g', 'sha256', '-a', DEVICE_KEY_ATTRIBUTES, '-u', dir.file('device.pub'), '-r', dir.file('device.priv'), '--creation-hash', dir.file('creation.hash'), '--creation-ticket', dir.file('creation.ticket')],
    dir.path,
  );
  await tools.run('tpm2_load', ['-C', dir.file('parent.ctx'), '-u', dir.file('device.pub'), '-r', dir.file('device.priv'), '-c', dir.file('device.ctx')], dir.path);
  const pub = await dir.read('device.pub');
  return { kind: 'tpm', publicJwk: publicJwkOfTpmKey(pub), public: b64uEncode(pub), private: b64uEncode(await dir.read('device.priv')), parent: STORAGE_PARENT };
}

/** Loads a kept device key into this work dir's `device.ctx` (fails in any other TPM). */
export async function loadDeviceKey(tools: TpmTools, dir: WorkDir, key: TpmKeyRecord): Promise<void> {
  await createStorageParent(tools, dir);
  await dir.write('device.pub', b64uDecode(key.public));
  await dir.write('device.priv', b64uDecode(key.private));
  await tools.run('tpm2_load', ['-C', dir.file('parent.ctx'), '-u', dir.file('device.pub'), '-r', dir.file('device.priv'), '-c', dir.file('device.ctx')], dir.path);
}

/**
 * TPM2_CertifyCreation of the device key by the AK with `qualifyingData` as extraData: the TPM
 * signs only for a key it created (the ticket is its own HMAC). tpm2-tools 5.4's tpm2_certify has
 * no qualifying-data option, so this is the freshness-bound form. Returns TPMS_ATTEST and the
 * TPMT_SIGNATURE as the tools write them.
 */
export async function certifyDeviceKey(tools: TpmTools, dir: WorkDir, qualifyingData: Uint8Array): Promise<{ certifyInfo: Uint8Array; certifySignature: Uint8Array }> {
  await tools.run(
    'tpm2_certifycreation',
    ['-C', dir.file('ak.ctx'), '-c', dir.file('device.ctx'), '-d', dir.file('creation.hash'), '-t', dir.file('creation.ticket'), '-g', 'sha256', '-q', hex(qualifyingData), '--attestation', dir.file('certify.info'), '-o', dir.file('certify.sig'), '-f', 'tss'],
    dir.path,
  );
  return { certifyInfo: await dir.read('certify.info'), certifySignature: await dir.read('certify.sig') };
}

/**
 * TPM2_ActivateCredential: the TPM releases the gateway's secret only if the AK named in the
 * credential is loaded beside the EK it was encrypted to. The EK's auth is its policy
 * (PolicySecret on the endorsement hierarchy), in a policy session flushed afterwards.
 */
export async function activateCredential(tools: TpmTools, dir: WorkDir, credentialBlob: Uint8Array, encryptedSecret: Uint8Array): Promise<Uint8Array> {
  await dir.write('credential.in', credentialFile(credentialBlob, encryptedSecret));
  const session = dir.file('ek-policy.session');
  await tools.run('tpm2_startauthsession', ['--policy-session', '-S', session], dir.path);
  try {
    await tools.run('tpm2_policysecret', ['-S', session, '-c', 'e'], dir.path);
    await tools.run('tpm2_activatecredential', ['-c', dir.file('ak.ctx'), '-C', dir.file('ek.ctx'), '-i', dir.file('credential.in'), '-o', dir.file('secret.out'), '-P', `session:${session}`], dir.path);
  } finally {
    await tools.run('tpm2_flushcontext', [session], dir.path).catch(() => undefined);
  }
  return dir.read('secret.out');
}

/** Signs SHA-256(`signingInput`) with the loaded `device.ctx`; the JWS ES256 r‖s. */
export async function signWithLoadedKey(tools: TpmTools, dir: WorkDir, signingInput: Uint8Array): Promise<Uint8Array> {
  await dir.write('digest.bin', sha256(signingInput));
  await tools.run('tpm2_sign', ['-c', dir.file('device.ctx'), '-g', 'sha256', '-s', 'ecdsa', '-d', '-o', dir.file('signature.tss'), dir.file('digest.bin')], dir.path);
  return ecdsaSignatureToJose(await dir.read('signature.tss'));
}

/**
 * The device key as an ES256 signer. The first signature rebuilds the parent and loads the kept
 * blob (tpm2_createprimary, tpm2_load), and keeps the loaded key's saved context in memory (a blob
 * only this TPM can load, until it restarts); later signatures write it into a fresh work dir and
 * sign with one tool call. A context the TPM no longer takes (a reboot, a suspend) is dropped and
 * the key loaded again.
 */
export function tpmSigner(tools: TpmTools, key: TpmKeyRecord): Es256Signer {
  let loadedContext: Uint8Array | null = null;
  return {
    publicJwk: key.publicJwk,
    sign: (signingInput) =>
      tools.inWorkDir(async (dir) => {
        if (loadedContext !== null) {
          await dir.write('device.ctx', loadedContext);
          try {
            return await signWithLoadedKey(tools, dir, signingInput);
          } catch {
            loadedContext = null;
          }
        }
        await loadDeviceKey(tools, dir, key);
        const signature = await signWithLoadedKey(tools, dir, signingInput);
        loadedContext = await dir.read('device.ctx');
        return signature;
      }),
  };
}
