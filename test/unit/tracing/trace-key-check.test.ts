/**
 * One trace key per store: the first gateway to start records the key's check value, the same key
 * starts again, another key is refused with what to copy where.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import { assertStoreTraceKey, traceKeyCheck } from '../../../gateway/tracing/trace-key-check.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('trace key check', () => {
  it('records the first key, accepts it again and refuses another, saying what to put back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-keycheck-'));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, 'airlock.db'));
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
      await store.close();
    }
  });
});
