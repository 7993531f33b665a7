/**
 * Fingerprint scheme 1, kept to trace answers stored before scheme 2 (kgram-hash.ts): each run of
 * k words HMAC-SHA-256 under the trace key, the first 48 bits kept (a JavaScript number and a SQL
 * BIGINT hold them exactly). About 4 µs of CPU per k-gram: no longer used for answers.
 */
import { createHmac } from 'node:crypto';

const HASH_BYTES = 6;

export function legacyKgramHashes(words: readonly string[], key: Buffer, k: number): number[] {
  const hashes: number[] = [];
  for (let i = 0; i + k <= words.length; i++) {
    // A NUL between words: no word contains one, so ("ab","c") and ("a","bc") hash apart.
    const digest = createHmac('sha256', key).update(words.slice(i, i + k).join('\0')).digest();
    hashes.push(digest.readUIntBE(0, HASH_BYTES));
  }
  return hashes;
}
