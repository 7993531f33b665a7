import { createReplayCache } from '../../protocol/dpop/replay-cache.js';

/**
 * Accepts each DPoP proof `jti` once while it could still be accepted. In memory for one gateway;
 * several instances share a PostgreSQL-backed guard with the same interface.
 */
export interface ReplayGuard {
  /** true the first time `jti` is claimed; false for a replay (or when the guard is full). */
  claim(jti: string, expiresAt: number): Promise<boolean>;
}

export function createMemoryReplayGuard(nowSeconds: () => number, maxEntries?: number): ReplayGuard {
  const cache = createReplayCache(maxEntries === undefined ? {} : { maxEntries });
  return {
    async claim(jti, expiresAt) {
      return cache.check(jti, expiresAt, nowSeconds());
    },
  };
}
