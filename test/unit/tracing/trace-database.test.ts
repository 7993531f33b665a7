/**
 * Leak tracing's own SQLite file (issue 19, gateway/tracing/trace-database.ts): the tracing
 * worker's write lock is not the audit log's, and traces an older gateway kept in airlock.db move
 * into trace.db at the first start, in one transaction, without loss even after a crash between
 * the two files' commits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../gateway/store/sqlite-migrations.js';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import type { Store } from '../../../gateway/store/store.js';
import { openTraceDatabase, traceDatabaseBeside } from '../../../gateway/tracing/trace-database.js';
import { sqliteTraceRows } from '../../../gateway/tracing/sqlite-trace-rows.js';
import type { AnswerTrace } from '../../../gateway/tracing/trace-records.js';

const TRACES: AnswerTrace[] = [
  { callId: 'call-1', tester: 'ada@example.com', deviceId: 'dev_a', model: 'demo', createdAt: '2030-01-01T00:00:00.000Z', fingerprints: [11, 12, 13] },
  { callId: 'call-2', tester: 'bob@example.com', deviceId: 'dev_b', model: 'demo', createdAt: '2030-01-02T00:00:00.000Z', fingerprints: [12, 14] },
];

/** A store file as a gateway before trace.db left it: every migration applied, the traces in it. */
function legacyStore(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (const migration of SQLITE_MIGRATIONS) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, '2030-01-01T00:00:00.000Z');
  }
  const rows = sqliteTraceRows(db);
  rows.write(TRACES);
  rows.claimKeyCheck('check-of-the-old-key', '2030-01-01T00:00:00.000Z');
  db.close();
}

const tablesOf = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'trace%' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
};

const holdersOf = async (store: Store, fingerprints: number[]) =>
  (await store.traceHolders(fingerprints)).map((h) => `${h.fingerprint}:${h.callId}`).sort();

describe('leak tracing in its own SQLite file', () => {
  let dir: string;
  let path: string;
  let store: Store | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-trace-db-'));
    path = join(dir, 'airlock.db');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('is trace.db beside airlock.db', () => {
    expect(traceDatabaseBeside('/data/airlock.db')).toBe('/data/trace.db');
    expect(traceDatabaseBeside('/data/store.db')).toBe('/data/store.trace.db');
  });

  it("lets the audit log commit while the tracing worker holds its file's write lock", async () => {
    store = openSqliteStore(path);
    // The tracing worker's connection, mid-transaction (as while it commits a batch).
    const worker = openTraceDatabase(traceDatabaseBeside(path));
    worker.exec('BEGIN IMMEDIATE');
    try {
      // Sharing one file, each of these would wait out the 5 s busy timeout and fail with SQLITE_BUSY.
      await expect(store.appendAudit({ type: 'admin.note', actor: 'admin', subject: 'x' })).resolves.toMatchObject({ seq: 1 });
      await expect(store.appendAuditDeferred({ type: 'model.call.start', actor: 'device:dev_a', subject: 'demo' })).resolves.toMatchObject({ seq: 2 });
    } finally {
      worker.exec('ROLLBACK');
      worker.close();
    }
  });

  it('moves the traces an older gateway kept in airlock.db into trace.db at the first start', async () => {
    legacyStore(path);
    expect(tablesOf(path)).toEqual(['trace_calls', 'trace_fingerprints', 'trace_key_check']);
    store = openSqliteStore(path);
    expect(await holdersOf(store, [11, 12, 13, 14])).toEqual(['11:call-1', '12:call-1', '12:call-2', '13:call-1', '14:call-2']);
    // The key check moved too: the old key's value is still the one a gateway must match.
    expect(await store.claimTraceKeyCheck('check-of-another-key')).toBe('check-of-the-old-key');
    expect(tablesOf(path)).toEqual([]);
    expect(tablesOf(traceDatabaseBeside(path))).toEqual(['trace_calls', 'trace_fingerprints', 'trace_key_check']);
    // Every later start finds nothing to move and keeps what is there.
    await store.close();
    store = openSqliteStore(path);
    expect(await holdersOf(store, [11, 12, 13, 14])).toHaveLength(5);
  });

  it('keeps one copy when a crash came between the commits of trace.db and airlock.db', async () => {
    legacyStore(path);
    // What that crash leaves: trace.db committed with the moved rows, airlock.db still holding them.
    const trace = openTraceDatabase(traceDatabaseBeside(path));
    sqliteTraceRows(trace).write(TRACES);
    sqliteTraceRows(trace).claimKeyCheck('check-of-the-old-key', '2030-01-01T00:00:00.000Z');
    trace.close();
    store = openSqliteStore(path);
    expect(await holdersOf(store, [11, 12, 13, 14])).toEqual(['11:call-1', '12:call-1', '12:call-2', '13:call-1', '14:call-2']);
    expect(await store.claimTraceKeyCheck('check-of-another-key')).toBe('check-of-the-old-key');
    expect(tablesOf(path)).toEqual([]);
  });

  it('moves nothing and drops nothing when the move fails: both files as they were', async () => {
    legacyStore(path);
    // A trace.db refusing the fingerprints (a trigger), after the call rows went in: the move's
    // transaction rolls back whole, in both files.
    const trace = openTraceDatabase(traceDatabaseBeside(path));
    trace.exec("CREATE TRIGGER refuse BEFORE INSERT ON trace_fingerprints BEGIN SELECT RAISE(ABORT, 'refused'); END");
    trace.close();
    expect(() => openSqliteStore(path)).toThrow(/refused/);
    expect(tablesOf(path)).toEqual(['trace_calls', 'trace_fingerprints', 'trace_key_check']);
    const left = new Database(traceDatabaseBeside(path), { readonly: true });
    expect(left.prepare('SELECT count(*) FROM trace_calls').pluck().get()).toBe(0);
    left.close();
  });
});
