/**
 * One trace key per store: the first gateway to start records the key's check value, the same key
 * starts again, another key is refused with what to copy where.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertStoreTraceKey, traceKeyCheck } from '../../../gateway/tracing/trace-key-check.js';
import { tempSqliteStore } from '../../helpers/temp-store.js';

describe('trace key check', () => {
  it('records the first key, accepts it again and refuses another, saying what to put back', async () => {
    const { dir, store, dispose } = await tempSqliteStore();
    try {
      const first = Buffer.alloc(32, 1);
      const where = { keyPath: join(dir, 'trace.key'), sharedStore: false };
      await assertStoreTraceKey(store, first, where);
      await assertStoreTraceKey(store, Buffer.from(first), where);
      await expect(assertStoreTraceKey(store, Buffer.alloc(32, 2), where)).rejects.toThrow(`Put the original trace.key back (a backup of this data directory holds it) at ${where.keyPath}`);
      // The check value is an HMAC of a constant: it does not hold the key.
      expect(traceKeyCheck(first)).toMatch(/^[0-9a-f]{64}$/u);
      expect(traceKeyCheck(first)).not.toContain(first.toString('hex'));
    } finally {
      await dispose();
    }
  });
});
