import { createHmac, randomBytes } from 'node:crypto';

/**
 * The key DPoP nonces are made and checked with in this run of the gateway.
 *
 * A single gateway remembers used proofs (`jti`) in memory only, so after a restart it would
 * accept a proof it already accepted before, as long as the proof's nonce still verified. A key
 * new at every start (derived from the persisted secret and fresh randomness) makes every nonce
 * of an earlier run fail: each client gets one `use_dpop_nonce` and carries on, and no proof made
 * before the restart is accepted after it.
 *
 * Several instances on PostgreSQL must check each other's nonces, so they keep the shared secret:
 * their used proofs are remembered in PostgreSQL (cluster/single-use.ts), across restarts.
 */
export function nonceKeyForThisRun(persistedSecret: Buffer, replayRememberedAcrossRestarts: boolean): Buffer {
  if (replayRememberedAcrossRestarts) return persistedSecret;
  return createHmac('sha256', persistedSecret).update('airlock dpop nonce key for one run\0').update(randomBytes(32)).digest();
}
