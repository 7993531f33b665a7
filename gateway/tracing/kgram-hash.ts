/**
 * Fingerprint scheme 2: the keyed hash of every word k-gram of a text, in a few bulk AES calls.
 *
 * Each word gets a 64-bit code from an unkeyed hash (two 32-bit lanes, in JavaScript: no call into
 * the crypto library per word). A k-gram is its k codes, zero-padded to whole 16-byte blocks, and
 * its hash is the CBC-MAC of those blocks under AES-256 with a key derived from the trace key:
 * E(B1), then E(previous ^ B2), and so on. For messages of one fixed length (k is fixed for a key,
 * and is part of the derived key) CBC-MAC is a pseudorandom function when AES is a pseudorandom
 * permutation (Bellare, Kilian and Rogaway, "The security of the cipher block chaining message
 * authentication code", 2000): without the trace key nobody can compute a k-gram's hash, so the
 * stored values cannot be used to test a guessed sentence, as with scheme 1's HMAC. The word codes
 * are unkeyed and public, but they are only the message: two words sharing a code (about one pair
 * in 2^64 / (vocabulary²/2)) would only make their k-grams match each other, a question of
 * accuracy, never of the key. ECB over all the k-grams' first blocks, then over the chained second
 * blocks, computes every k-gram's CBC-MAC in k/2 cipher calls per text instead of one HMAC per
 * k-gram: 70 µs of CPU for a 300-word answer against 2 ms (bench/parts/70-tracing.ts).
 *
 * The first 48 bits of the MAC are kept, plus 2^48: scheme 2's values never equal scheme 1's
 * (legacy-kgram-hash.ts), and both stay exact in a JavaScript number and a SQL BIGINT.
 */
import { createCipheriv, createHmac, type Cipher } from 'node:crypto';

const SCHEME_2_BASE = 2 ** 48;
const BLOCK = 16;
const CODE_BYTES = 8;

/** One cipher per (trace key, k): ECB without padding keeps no state between calls. */
const ciphers = new WeakMap<Buffer, Map<number, Cipher>>();

function cipherFor(key: Buffer, k: number): Cipher {
  let byK = ciphers.get(key);
  if (!byK) ciphers.set(key, (byK = new Map()));
  let cipher = byK.get(k);
  if (!cipher) {
    // Its own AES key per k (domain separation from the trace key's other uses, and one message length per AES key).
    const aesKey = createHmac('sha256', key).update(`airlock leak fingerprint scheme 2, k=${k}`).digest();
    cipher = createCipheriv('aes-256-ecb', aesKey, null).setAutoPadding(false);
    byK.set(k, cipher);
  }
  return cipher;
}

/** murmur3's finaliser, with the length. */
function finish(h: number, length: number): number {
  h ^= length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A word's 64-bit code into codes[at], codes[at + 1]: two lanes of murmur3_32 over its UTF-16 units, two seeds, one pass. */
function encodeWord(word: string, codes: Uint32Array, at: number): void {
  let a = 0x9747b28c;
  let b = 0x3c6ef372;
  for (let i = 0; i < word.length; i++) {
    let c = Math.imul(word.charCodeAt(i), 0xcc9e2d51);
    c = Math.imul((c << 15) | (c >>> 17), 0x1b873593);
    a ^= c;
    a = Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64;
    b ^= c;
    b = Math.imul((b << 13) | (b >>> 19), 5) + 0xe6546b64;
  }
  codes[at] = finish(a, word.length);
  codes[at + 1] = finish(b, word.length);
}

/** Block order on this machine: the blocks are laid out little-endian whatever the CPU (Buffer.swap32 on a big-endian one). */
const BIG_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 0;

/** The keyed hash of each k-gram of `words`, in order (none when there are fewer than k words). */
export function keyedKgramHashes(words: readonly string[], key: Buffer, k: number): number[] {
  return keyedKgramHashesOfTexts([words], key, k)[0]!;
}

/**
 * The same for several texts at once: every k-gram of every text in the same few cipher calls
 * (a batch of short answers costs little more than one).
 */
export function keyedKgramHashesOfTexts(texts: readonly (readonly string[])[], key: Buffer, k: number): number[][] {
  // Plain index loops, no map/reduce callbacks: this runs once per batch on arrays of several
  // element kinds, and callbacks' call sites deoptimised it again and again (V8 --trace-deopt),
  // each time recompiled on V8's helper threads, about as much CPU as the hashing itself.
  const count = texts.length;
  const gramsOf = new Int32Array(count);
  let grams = 0;
  for (let t = 0; t < count; t++) {
    gramsOf[t] = Math.max(0, texts[t]!.length - k + 1);
    grams += gramsOf[t]!;
  }
  const hashesOf: number[][] = [];
  if (grams === 0) {
    for (let t = 0; t < count; t++) hashesOf.push([]);
    return hashesOf;
  }
  // Every text's word codes, one after another; starts[t] is text t's first word.
  const starts = new Int32Array(count + 1);
  for (let t = 0; t < count; t++) starts[t + 1] = starts[t]! + texts[t]!.length;
  const codes = new Uint32Array(starts[count]! * 2);
  for (let t = 0; t < count; t++) {
    const words = texts[t]!;
    for (let i = 0; i < words.length; i++) encodeWord(words[i]!, codes, 2 * (starts[t]! + i));
  }
  const cipher = cipherFor(key, k);
  const blocks = Math.ceil((k * CODE_BYTES) / BLOCK);
  const wordsPerBlock = BLOCK / CODE_BYTES;
  const input = new Uint32Array(grams * (BLOCK / 4));
  const inputBytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const previous = new Uint32Array(input.length);
  for (let b = 0; b < blocks; b++) {
    // Block b of every k-gram: its words 2b and 2b+1 (zero past the k-th), XORed with the chain.
    input.fill(0);
    let at = 0;
    for (let t = 0; t < count; t++) {
      const first = 2 * starts[t]!;
      for (let g = 0; g < gramsOf[t]!; g++, at += BLOCK / 4) {
        for (let c = 0; c < wordsPerBlock; c++) {
          const word = b * wordsPerBlock + c;
          if (word >= k) break;
          input[at + 2 * c] = codes[first + 2 * (g + word)]!;
          input[at + 2 * c + 1] = codes[first + 2 * (g + word) + 1]!;
        }
      }
    }
    if (BIG_ENDIAN) inputBytes.swap32();
    if (b > 0) for (let i = 0; i < input.length; i++) input[i]! ^= previous[i]!;
    // Into an aligned array of our own: the cipher's output may sit at any offset of a pool.
    new Uint8Array(previous.buffer).set(cipher.update(inputBytes));
  }
  const mac = Buffer.from(previous.buffer, previous.byteOffset, previous.byteLength);
  let at = 0;
  for (let t = 0; t < count; t++) {
    const n = gramsOf[t]!;
    const hashes = new Array<number>(n);
    // The MAC's first 48 bits, big-endian: 2 bytes, then 4.
    for (let g = 0; g < n; g++, at += BLOCK) hashes[g] = SCHEME_2_BASE + mac.readUInt16BE(at) * 2 ** 32 + mac.readUInt32BE(at + 2);
    hashesOf.push(hashes);
  }
  return hashesOf;
}
