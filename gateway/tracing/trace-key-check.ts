/**
 * One trace key per store. Fingerprints made under one DATA/trace.key never match a leak
 * fingerprinted under another, so an instance holding a different key would store answers that no
 * trace finds, and its traces would miss every other instance's answers, all without an error.
 * The store keeps a check value of the key (an HMAC of a constant: it says nothing about the key)
 * from the first start; a gateway whose key gives another value refuses to start.
 */
import { createHmac } from 'node:crypto';
import { DataDirError } from '../config/data-dir.js';
import { loadTraceKey } from './trace-key.js';

const CHECK_INPUT = 'airlock trace key check v1';

/** HMAC-SHA-256 of a constant under the key, hex. */
export function traceKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update(CHECK_INPUT).digest('hex');
}

/**
 * Records the key's check value in `store` on first use; throws when the store already holds
 * another one, saying which file to copy where.
 */
export async function assertStoreTraceKey(
  store: { claimTraceKeyCheck(check: string): Promise<string> },
  key: Buffer,
  where: { keyPath: string; sharedStore: boolean },
): Promise<void> {
  const check = traceKeyCheck(key);
  const stored = await store.claimTraceKeyCheck(check);
  if (stored === check) return;
  throw new DataDirError(
    where.sharedStore
      ? `${where.keyPath} is not the trace key this PostgreSQL store's answers were fingerprinted under: every gateway instance sharing one store must hold the same trace.key. ` +
          `Copy trace.key from the data directory of an instance already serving this store to ${where.keyPath} (mode 0600, owned by the user running the gateway), then start this instance again.`
      : `${where.keyPath} is not the trace key this store's answers were fingerprinted under (the file was replaced). ` +
          `Put the original trace.key back (a backup of this data directory holds it) at ${where.keyPath}, mode 0600, then start the gateway again.`,
  );
}

/** DATA/trace.key (made on first use), checked against the store's: what the gateway and an offline `trace` use. */
export async function loadStoreTraceKey(
  store: { claimTraceKeyCheck(check: string): Promise<string> },
  where: { keyPath: string; sharedStore: boolean },
): Promise<Buffer> {
  const key = await loadTraceKey(where.keyPath);
  await assertStoreTraceKey(store, key, where);
  return key;
}
