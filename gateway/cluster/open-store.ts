/**
 * The one place a store is chosen: a `postgres://` (or `postgresql://`) URL opens the shared
 * PostgreSQL store for several instances; anything else is a data directory and opens its
 * embedded SQLite file. The serve command calls this with `--store` (or the config file's `store`)
 * when given, else with the data directory.
 */
import { dataPaths } from '../config/data-dir.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../store/postgres/postgres-store.js';
import type { Store } from '../store/store.js';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(target);
}

export function isPostgresStore(store: Store): store is PostgresStore {
  return (store as Partial<PostgresStore>).kind === 'postgres';
}

/** A store URL with its password hidden, for logs and error messages. */
export function redactStoreUrl(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export async function openStore(target: string, options: PostgresStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(target)) {
    try {
      return await openPostgresStore(target, options);
    } catch (error) {
      // pg's messages can quote the connection string; name the store without its password.
      throw new Error(`cannot open the PostgreSQL store ${redactStoreUrl(target)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return openSqliteStore(dataPaths(target).database, options.now ? { now: options.now } : {});
}
