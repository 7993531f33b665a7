/**
 * The one place a store is chosen: a `postgres://` (or `postgresql://`) URL opens the shared
 * PostgreSQL store for several instances; anything else is a data directory and opens its
 * embedded SQLite file. The serve command calls this with `--store` (or the config file's `store`)
 * when given, else with the data directory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertPrivate, dataPaths, DataDirError } from '../config/data-dir.js';
import { secureStoreFiles } from '../config/ownership.js';
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
/** A PostgreSQL URL with its password, if it has one, replaced; anything else unchanged. */
function replacePassword(target: string, password: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = password;
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * The store URL for a command the admin runs (pg_dump): the password removed, not masked, so libpq
 * takes it from ~/.pgpass or PGPASSWORD (a masked "***" would be sent as the password).
 */
export const storeUrlWithoutPassword = (target: string): string => replacePassword(target, '');

/** The store URL for messages and logs: the password shown as `***`. */
export const redactStoreUrl = (target: string): string => replacePassword(target, '***');

export async function openStore(target: string, options: PostgresStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(target)) {
    try {
      return await openPostgresStore(target, options);
    } catch (error) {
      // pg's messages can quote the connection string; name the store without its password.
      throw new Error(`cannot open the PostgreSQL store ${redactStoreUrl(target)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const { database, traceDatabase } = dataPaths(target);
  for (const file of [database, traceDatabase]) await secureStoreFiles(file, (message) => new DataDirError(message));
  return openSqliteStore(database, { traceDatabase, ...(options.now ? { now: options.now } : {}) });
}

/** A data directory's store setting: `DATA/store.url`, so the password stays off the command line. */
export const STORE_URL_FILE = 'store.url';

/**
 * Which store a gateway (or an admin command) uses: `--store` when given, else the URL in
 * `DATA/store.url` (which must be private, like every secret there), else the data directory's
 * SQLite. A password may also come from PGPASSWORD or ~/.pgpass (pg reads both).
 */
export async function resolveStoreTarget(dataDir: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined && flag !== '') {
    if (!isPostgresUrl(flag)) throw new Error('--store must be a postgres:// URL (without it, the data directory\'s SQLite store is used)');
    return flag;
  }
  const file = join(dataDir, STORE_URL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return dataDir;
  }
  await assertPrivate(file, 'file');
  const url = text.trim();
  if (!isPostgresUrl(url)) throw new Error(`${file} must hold one postgres:// URL`);
  return url;
}
