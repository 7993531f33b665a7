/**
 * Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003) over keyed word k-gram hashes.
 *
 * Each run of k words is hashed with HMAC-SHA-256 under the gateway's trace key (truncated to 48
 * bits, so it fits a JavaScript number and a SQL BIGINT exactly); without the key the stored hashes
 * cannot be used to test a guessed sentence. Of every window of w consecutive k-gram hashes the
 * minimum is selected (the rightmost on ties), so any run of at least w + k - 1 words shared by two
 * texts yields at least one common fingerprint, whatever surrounds it.
 */
import { createHmac } from 'node:crypto';

export interface WinnowSettings {
  /** Words per k-gram. */
  k: number;
  /** k-gram hashes per window. */
  w: number;
}

/** Measured in bench/parts/70-tracing.ts (only these settings so far, no sweep): 8-word runs always found, about one fingerprint per 3 words. */
export const DEFAULT_WINNOW: WinnowSettings = { k: 4, w: 5 };

/** The shortest shared run of words that is always found. */
export function guaranteedRun(settings: WinnowSettings): number {
  return settings.w + settings.k - 1;
}

const HASH_BYTES = 6;

/** The keyed hash of each k-gram of `words`, in order (none when there are fewer than k words). */
export function kgramHashes(words: readonly string[], key: Buffer, k: number): number[] {
  const hashes: number[] = [];
  for (let i = 0; i + k <= words.length; i++) {
    // A NUL between words: no word contains one, so ("ab","c") and ("a","bc") hash apart.
    const digest = createHmac('sha256', key).update(words.slice(i, i + k).join('\0')).digest();
    hashes.push(digest.readUIntBE(0, HASH_BYTES));
  }
  return hashes;
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
export function fingerprintWords(words: readonly string[], key: Buffer, settings: WinnowSettings = DEFAULT_WINNOW): number[] {
  return [...new Set(winnow(kgramHashes(words, key, settings.k), settings.w))];
}
