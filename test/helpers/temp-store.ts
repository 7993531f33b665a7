/** A fresh SQLite store in a directory of its own, for one test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../gateway/store/sqlite-store.js';
import { traceDatabaseBeside } from '../../gateway/tracing/trace-database.js';
import type { Store } from '../../gateway/store/store.js';

export interface TempStore {
  dir: string;
  /** The database file. */
  path: string;
  /** Leak tracing's file beside it, for a second connection (the tracer's worker). */
  tracePath: string;
  store: Store;
  /** Closes the store and deletes the directory. */
  dispose(): Promise<void>;
}

export async function tempSqliteStore(options: { now?: () => Date } = {}): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-store-'));
  const path = join(dir, 'airlock.db');
  const store = openSqliteStore(path, options);
  return {
    dir,
    path,
    tracePath: traceDatabaseBeside(path),
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
