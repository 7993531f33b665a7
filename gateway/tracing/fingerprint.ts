/**
 * Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003) over keyed word k-gram hashes.
 *
 * Each run of k words is hashed under the gateway's trace key; without the key the stored hashes
 * cannot be used to test a guessed sentence. Of every window of w consecutive k-gram hashes the
 * minimum is selected (the rightmost on ties), so any run of at least w + k - 1 words shared by two
 * texts yields at least one common fingerprint, whatever surrounds it.
 *
 * The keyed hash (scheme 2, kgram-hash.ts) is AES over the words' 64-bit hashes, a thirtieth of the
 * CPU of the HMAC-SHA-256 per k-gram of scheme 1 (legacy-kgram-hash.ts). Traces stored before it
 * hold scheme-1 values; a leak is fingerprinted under both schemes (trace-leak.ts), and their
 * values never meet: scheme 2's lie in [2^48, 2^49), scheme 1's below 2^48.
 */
import { keyedKgramHashes, keyedKgramHashesOfTexts } from './kgram-hash.js';
import { legacyKgramHashes } from './legacy-kgram-hash.js';

export interface WinnowSettings {
  /** Words per k-gram. */
  k: number;
  /** k-gram hashes per window. */
  w: number;
}

/** Measured in bench/parts/70-tracing.ts (only these settings so far, no sweep): 8-word runs always found, about one fingerprint per 3 words. */
export const DEFAULT_WINNOW: WinnowSettings = { k: 4, w: 5 };

/** How k-grams are hashed: 2, what answers are fingerprinted with; 1, what traces stored before it hold. */
export type FingerprintScheme = 1 | 2;
export const CURRENT_SCHEME: FingerprintScheme = 2;
export const FINGERPRINT_SCHEMES: readonly FingerprintScheme[] = [2, 1];

/** The shortest shared run of words that is always found. */
export function guaranteedRun(settings: WinnowSettings): number {
  return settings.w + settings.k - 1;
}

/** The keyed hash of each k-gram of `words`, in order (none when there are fewer than k words). */
export function kgramHashes(words: readonly string[], key: Buffer, k: number, scheme: FingerprintScheme = CURRENT_SCHEME): number[] {
  return scheme === 2 ? keyedKgramHashes(words, key, k) : legacyKgramHashes(words, key, k);
}

/**
 * The winnowed selection of `hashes`: the minimum of each window of w, rightmost on ties, each
 * selected position once. Fewer than w hashes form one short window (a short text still has a
 * fingerprint).
 */
export function winnow(hashes: readonly number[], w: number): number[] {
  if (hashes.length === 0) return [];
  const selected: number[] = [];
  let last = -1;
  const windows = Math.max(1, hashes.length - w + 1);
  for (let start = 0; start < windows; start++) {
    const end = Math.min(hashes.length, start + w);
    let min = start;
    for (let i = start + 1; i < end; i++) if (hashes[i]! <= hashes[min]!) min = i;
    if (min !== last) {
      selected.push(hashes[min]!);
      last = min;
    }
  }
  return selected;
}

/** The distinct fingerprints of a text's words. */
export function fingerprintWords(words: readonly string[], key: Buffer, settings: WinnowSettings = DEFAULT_WINNOW, scheme: FingerprintScheme = CURRENT_SCHEME): number[] {
  return [...new Set(winnow(kgramHashes(words, key, settings.k, scheme), settings.w))];
}

/** The distinct fingerprints of each of several texts' words, under the current scheme: one batch of answers hashed together. */
export function fingerprintTexts(texts: readonly (readonly string[])[], key: Buffer, settings: WinnowSettings = DEFAULT_WINNOW): number[][] {
  return keyedKgramHashesOfTexts(texts, key, settings.k).map((hashes) => [...new Set(winnow(hashes, settings.w))]);
}
