/**
 * Leak tracing's own SQLite file (issue 19): DATA/trace.db beside the store's DATA/airlock.db.
 *
 * Why a file of its own: SQLite has one write lock per database file. While the tracing worker
 * committed its batches (synchronous=FULL, an fsync each) into airlock.db, the audit writer on the
 * gateway's event loop met SQLITE_BUSY and retried, milliseconds per call under load. In its own
 * file the fingerprints never hold the audit log's lock, and the audit log never holds theirs.
 *
 * Durability is unchanged: WAL with synchronous=FULL, so a committed batch is on disk.
 */
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** The trace file of a SQLite store: `trace.db` beside `airlock.db`; beside any other store file `NAME.trace.db`. */
export function traceDatabaseBeside(storePath: string): string {
  const name = basename(storePath);
  return join(dirname(storePath), name === 'airlock.db' ? 'trace.db' : `${name.replace(/\.db$/, '')}.trace.db`);
}

/**
 * The schema (version 3, PRAGMA user_version). A fingerprint row is its hash and the integer id of
 * its call, nothing else: the call's UUID, tester and time are in trace_calls once per answer, and
 * expiry goes by call (trace_calls_by_time, then the fingerprints by call). Ids grow with each call.
 * No foreign key: expiry deletes a call's fingerprints with it, in one transaction, and a checked
 * key would cost a lookup per row.
 *
 * Two fingerprint tables (version 3). trace_fingerprints, keyed by (hash, call), is what a trace
 * looks hashes up in; inserting into it lands each row on a page picked by its random hash, and a
 * commit rewrites every page it touched (in the WAL), so a batch of answers cost about a page per
 * fingerprint. New fingerprints go to trace_fresh instead, keyed by (call, hash): ids grow, so a
 * commit only appends. When trace_fresh holds MERGE_ROWS rows they move to trace_fingerprints in
 * one transaction, in hash order, touching each page once for many rows (sqlite-trace-rows.ts). A
 * trace reads both; trace_fresh, at most a few MERGE_ROWS rows, is scanned.
 */
const SCHEMA_VERSION = 3;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS trace_calls (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE,
    tester TEXT NOT NULL,
    device_id TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS trace_calls_by_time ON trace_calls (created_at);
  CREATE TABLE IF NOT EXISTS trace_fingerprints (
    hash INTEGER NOT NULL,
    call INTEGER NOT NULL,
    PRIMARY KEY (hash, call)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS trace_fingerprints_by_call ON trace_fingerprints (call);
  CREATE TABLE IF NOT EXISTS trace_fresh (
    call INTEGER NOT NULL,
    hash INTEGER NOT NULL,
    PRIMARY KEY (call, hash)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS trace_key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    check_value TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
`;

/**
 * Version 1 to 3: the rows of a trace file made before (call UUID and time in every fingerprint
 * row) copied into the new tables, calls in time order so ids follow time, in one transaction.
 * (Version 2 to 3 only adds trace_fresh: SCHEMA's IF NOT EXISTS.)
 */
function migrateFromVersion1(db: Database.Database): void {
  db.exec(`
    ALTER TABLE trace_fingerprints RENAME TO trace_fingerprints_v1;
    ALTER TABLE trace_calls RENAME TO trace_calls_v1;
    DROP INDEX IF EXISTS trace_calls_by_time;
    DROP INDEX IF EXISTS trace_fingerprints_by_call;
  `);
  db.exec(SCHEMA);
  db.exec(`
    INSERT INTO trace_calls (call_id, tester, device_id, model, created_at)
      SELECT call_id, tester, device_id, model, created_at FROM trace_calls_v1 ORDER BY created_at, call_id;
    INSERT OR IGNORE INTO trace_fingerprints (hash, call)
      SELECT f.hash, c.id FROM trace_fingerprints_v1 f JOIN trace_calls c ON c.call_id = f.call_id;
    DROP TABLE trace_fingerprints_v1;
    DROP TABLE trace_calls_v1;
  `);
}

/** Brings the file to SCHEMA_VERSION under its write lock (another process may open it at the same moment). */
function ensureSchema(db: Database.Database, path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path} was written by a newer gateway (trace schema ${version}; this one knows ${SCHEMA_VERSION}). Run that gateway, or restore a backup made before it.`);
    }
    const fingerprintColumns = db.prepare("SELECT name FROM pragma_table_info('trace_fingerprints')").pluck().all() as string[];
    if (fingerprintColumns.includes('call_id')) migrateFromVersion1(db);
    else db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Opens (creating it if need be) a trace file: WAL, synchronous=FULL, the schema in place (older trace files migrated). */
export function openTraceDatabase(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // Committed means on disk, as for every other write to the store.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    ensureSchema(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

const LEGACY_TABLES = ['trace_fingerprints', 'trace_calls', 'trace_key_check'] as const;

/**
 * Moves the traces a store made before trace.db existed (migrations 5 and 6 kept them in
 * airlock.db) into `traceDb`, and drops those tables from the store: one transaction of the trace
 * file's connection with the store attached, so no other connection sees them half moved. Returns
 * how many traced calls moved (0 when there was nothing to move: every start after the first).
 *
 * SQLite commits a WAL transaction over attached files one file at a time, the connection's main
 * file (here trace.db) first. A crash between the two commits leaves the rows in both files; the
 * next start moves them again, and INSERT OR IGNORE keeps one copy. The reverse order, which could
 * lose them, cannot happen.
 */
export function moveLegacyTraces(traceDb: Database.Database, storePath: string): number {
  traceDb.prepare('ATTACH DATABASE ? AS legacy').run(storePath);
  try {
    const hasTable = traceDb.prepare("SELECT count(*) FROM legacy.sqlite_master WHERE type = 'table' AND name = ?").pluck();
    if (!LEGACY_TABLES.some((table) => hasTable.get(table) === 1)) return 0;
    const move = traceDb.transaction(() => {
      // Checked again under the write lock: another process on the same store may have moved them.
      const present = LEGACY_TABLES.filter((table) => hasTable.get(table) === 1);
      if (present.length === 0) return 0;
      let calls = 0;
      if (present.includes('trace_calls')) {
        calls = traceDb.prepare('INSERT OR IGNORE INTO main.trace_calls (call_id, tester, device_id, model, created_at) SELECT call_id, tester, device_id, model, created_at FROM legacy.trace_calls ORDER BY created_at, call_id').run().changes;
      }
      if (present.includes('trace_fingerprints')) {
        // A pair already in trace_fresh stays there alone: a trace counts each pair once.
        traceDb.exec(`INSERT OR IGNORE INTO main.trace_fingerprints (hash, call)
          SELECT f.hash, c.id FROM legacy.trace_fingerprints f JOIN main.trace_calls c ON c.call_id = f.call_id
          WHERE NOT EXISTS (SELECT 1 FROM main.trace_fresh x WHERE x.call = c.id AND x.hash = f.hash)`);
      }
      if (present.includes('trace_key_check')) {
        traceDb.exec('INSERT OR IGNORE INTO main.trace_key_check (id, check_value, created_at) SELECT id, check_value, created_at FROM legacy.trace_key_check');
      }
      // Children first: dropping trace_calls before its fingerprints would run the cascade for nothing.
      for (const table of present) traceDb.exec(`DROP TABLE legacy.${table}`);
      return calls;
    });
    return move.immediate();
  } finally {
    traceDb.exec('DETACH DATABASE legacy');
  }
}
