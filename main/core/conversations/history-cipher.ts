import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * AES-256-GCM for the history file: `ALH1` ‖ 12-byte IV ‖ 16-byte tag ‖ ciphertext, with the
 * gateway origin as additional data, so a file cannot be passed off as another gateway's. A fresh
 * random IV per write (a file is rewritten a few hundred times at most under one key).
 */
const MAGIC = Buffer.from('ALH1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const HISTORY_KEY_BYTES = 32;

function aad(gateway: string): Buffer {
  return Buffer.from(`airlock-history-v1\u0000${gateway}`, 'utf8');
}

export function sealHistory(key: Uint8Array, iv: Uint8Array, gateway: string, plaintext: string): Buffer {
  if (key.length !== HISTORY_KEY_BYTES || iv.length !== IV_BYTES) throw new Error('history cipher: wrong key or IV size');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(gateway));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

/** The plaintext, or null when the file is not ours, was altered, or belongs to another key or gateway. */
export function openHistory(key: Uint8Array, gateway: string, sealed: Uint8Array): string | null {
  const data = Buffer.from(sealed);
  if (data.length < MAGIC.length + IV_BYTES + TAG_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const iv = data.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = data.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad(gateway));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
