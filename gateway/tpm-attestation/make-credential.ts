import { constants, createCipheriv, createHmac, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { kdfaSha256 } from './kdfa.js';

/** TPM2B marshalling: a 2-byte big-endian size, then the bytes. */
export function tpm2b(bytes: Uint8Array): Buffer {
  const size = Buffer.alloc(2);
  size.writeUInt16BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** Seed, symmetric key and HMAC sizes of the TCG default RSA 2048 EK (SHA-256 name, AES-128-CFB). */
const SEED_BYTES = 32;
const AES_KEY_BITS = 128;
const HMAC_KEY_BITS = 256;

/**
 * The credential part of MakeCredential (TPM 2.0 part 1, 24.4 and 24.5; part 3, TPM2_MakeCredential)
 * from a known seed, deterministic: `TPM2B_ID_OBJECT` = size ‖ TPM2B_DIGEST(outer HMAC) ‖ encIdentity, where
 * encIdentity = AES-128-CFB(KDFa(seed, "STORAGE", Name, ∅, 128), IV 0, TPM2B_DIGEST(secret)) and the
 * HMAC is HMAC-SHA256(KDFa(seed, "INTEGRITY", ∅, ∅, 256), encIdentity ‖ Name).
 */
export function credentialBlobFromSeed(seed: Uint8Array, akName: Uint8Array, secret: Uint8Array): Buffer {
  const symKey = kdfaSha256(seed, 'STORAGE', akName, new Uint8Array(0), AES_KEY_BITS);
  const cipher = createCipheriv('aes-128-cfb', symKey, Buffer.alloc(16));
  const encIdentity = Buffer.concat([cipher.update(tpm2b(secret)), cipher.final()]);
  const hmacKey = kdfaSha256(seed, 'INTEGRITY', new Uint8Array(0), new Uint8Array(0), HMAC_KEY_BITS);
  const outerHmac = createHmac('sha256', hmacKey).update(encIdentity).update(akName).digest();
  return tpm2b(Buffer.concat([tpm2b(outerHmac), encIdentity]));
}

/** The seed wrapped to an RSA EK: RSA-OAEP with SHA-256 and the label "IDENTITY\0", as TPM2B_ENCRYPTED_SECRET. */
export function encryptSeedToRsaEk(ekPublicKey: KeyObject, seed: Uint8Array): Buffer {
  const wrapped = publicEncrypt({ key: ekPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('IDENTITY\0', 'latin1') }, seed);
  return tpm2b(wrapped);
}

export interface MadeCredential {
  /** TPM2B_ID_OBJECT. */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET. */
  encryptedSecret: Buffer;
}

/**
 * MakeCredential to an RSA 2048 EK (the TCG default template): only the TPM holding that EK, with
 * the object named `akName` loaded in it, recovers `secret` (TPM2_ActivateCredential).
 */
export function makeCredential(ekPublicKey: KeyObject, akName: Uint8Array, secret: Uint8Array, seed: Uint8Array = randomBytes(SEED_BYTES)): MadeCredential {
  if (ekPublicKey.asymmetricKeyType !== 'rsa' || ekPublicKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new TypeError('MakeCredential: the EK must be an RSA 2048 key');
  }
  return { credentialBlob: credentialBlobFromSeed(seed, akName, secret), encryptedSecret: encryptSeedToRsaEk(ekPublicKey, seed) };
}
