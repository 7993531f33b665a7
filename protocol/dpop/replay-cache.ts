/**
 * Remembers proof `jti`s for as long as their `iat` is acceptable, so a proof is accepted once.
 * Pure and bounded: entries expire by the caller's clock; past `maxEntries` the proof is refused
 * (fail closed) rather than an unexpired entry forgotten.
 */
export interface ReplayCache {
  /** Records `jti`; false when it was seen before (a replay) or the cache is full. */
  check(jti: string, expiresAt: number, now: number): boolean;
  readonly size: number;
}

export function createReplayCache(options: { maxEntries?: number } = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? 1_000_000;
  // Insertion order is expiry order only roughly; a sweep walks from the oldest and stops at the
  // first live entry, which keeps it cheap while clocks move forward.
  const seen = new Map<string, number>();
  let lastSweep = 0;

  function sweep(now: number): void {
    for (const [jti, expiresAt] of seen) {
      if (expiresAt > now) break;
      seen.delete(jti);
    }
    lastSweep = now;
  }

  return {
    check(jti, expiresAt, now) {
      if (now !== lastSweep) sweep(now);
      const previous = seen.get(jti);
      if (previous !== undefined && previous > now) return false;
      if (seen.size >= maxEntries) {
        sweep(now);
        if (seen.size >= maxEntries) return false;
      }
      seen.delete(jti);
      seen.set(jti, expiresAt);
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
