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
  writeVersion1Rows(db, TRACES, 'check-of-the-old-key');
  db.close();
}

/** Rows as the gateway before trace schema 2 wrote them (a call UUID and time in every fingerprint row). */
function writeVersion1Rows(db: Database.Database, traces: readonly AnswerTrace[], check: string): void {
  const call = db.prepare('INSERT INTO trace_calls (call_id, tester, device_id, model, created_at) VALUES (?, ?, ?, ?, ?)');
  const fingerprint = db.prepare('INSERT INTO trace_fingerprints (hash, call_id, created_at) VALUES (?, ?, ?)');
  for (const t of traces) {
    call.run(t.callId, t.tester, t.deviceId, t.model, t.createdAt);
    for (const hash of t.fingerprints) fingerprint.run(hash, t.callId, t.createdAt);
  }
  db.prepare('INSERT INTO trace_key_check (id, check_value, created_at) VALUES (1, ?, ?)').run(check, '2030-01-01T00:00:00.000Z');
}

/** A trace.db as the gateway before trace schema 2 made it: version 1's tables, its rows. */
function version1TraceFile(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE trace_calls (call_id TEXT PRIMARY KEY, tester TEXT NOT NULL, device_id TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX trace_calls_by_time ON trace_calls (created_at);
    CREATE TABLE trace_fingerprints (hash INTEGER NOT NULL, call_id TEXT NOT NULL REFERENCES trace_calls(call_id) ON DELETE CASCADE, created_at TEXT NOT NULL, PRIMARY KEY (hash, call_id)) WITHOUT ROWID;
    CREATE INDEX trace_fingerprints_by_call ON trace_fingerprints (call_id);
    CREATE TABLE trace_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), check_value TEXT NOT NULL, created_at TEXT NOT NULL);
  `);
  writeVersion1Rows(db, TRACES, 'check-of-the-old-key');
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
    expect(tablesOf(traceDatabaseBeside(path))).toEqual(['trace_calls', 'trace_fingerprints', 'trace_fresh', 'trace_key_check']);
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

  it('migrates a trace.db of schema 1 in place: every trace found, the key check kept, one row per fingerprint', async () => {
    const tracePath = traceDatabaseBeside(path);
    version1TraceFile(tracePath);
    store = openSqliteStore(path);
    expect(await holdersOf(store, [11, 12, 13, 14])).toEqual(['11:call-1', '12:call-1', '12:call-2', '13:call-1', '14:call-2']);
    expect(await store.claimTraceKeyCheck('check-of-another-key')).toBe('check-of-the-old-key');
    expect((await store.traceHolderCounts([12, 14])).sort((a, b) => a.fingerprint - b.fingerprint)).toEqual([{ fingerprint: 12, holders: 2 }, { fingerprint: 14, holders: 1 }]);
    await store.close();
    store = undefined;
    const migrated = new Database(tracePath, { readonly: true });
    try {
      expect(migrated.pragma('user_version', { simple: true })).toBe(3);
      expect(migrated.prepare("SELECT name FROM pragma_table_info('trace_fingerprints')").pluck().all()).toEqual(['hash', 'call']);
      expect(migrated.prepare('SELECT count(*) FROM trace_fingerprints').pluck().get()).toBe(5);
      // Ids follow time: call-1 (2030-01-01) before call-2 (2030-01-02).
      expect(migrated.prepare('SELECT call_id FROM trace_calls ORDER BY id').pluck().all()).toEqual(['call-1', 'call-2']);
    } finally {
      migrated.close();
    }
    // Opened again: nothing to migrate, nothing lost.
    store = openSqliteStore(path);
    expect(await holdersOf(store, [11, 12, 13, 14])).toHaveLength(5);
  });

  it('expires by call: the fingerprints of expired calls go with them, the others stay', async () => {
    store = openSqliteStore(path);
    await store.addTraces(TRACES);
    expect(await store.deleteTracesBefore('2030-01-01T12:00:00.000Z')).toBe(1);
    expect(await holdersOf(store, [11, 12, 13, 14])).toEqual(['12:call-2', '14:call-2']);
    const left = new Database(traceDatabaseBeside(path), { readonly: true });
    expect(left.prepare('SELECT (SELECT count(*) FROM trace_fingerprints) + (SELECT count(*) FROM trace_fresh)').pluck().get()).toBe(2);
    left.close();
  });

  it('appends new fingerprints to trace_fresh and moves them to trace_fingerprints in one step: a trace finds them before, after and across', () => {
    const trace = openTraceDatabase(traceDatabaseBeside(path));
    try {
      const rows = sqliteTraceRows(trace, { mergeRows: 6 });
      const count = (table: string): number => trace.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      const holders = (): string[] => rows.holders([11, 12, 13, 14]).map((h) => `${h.fingerprint}:${h.callId}`).sort();
      rows.write([TRACES[0]!]);
      expect([count('trace_fresh'), count('trace_fingerprints')]).toEqual([3, 0]);
      expect(holders()).toEqual(['11:call-1', '12:call-1', '13:call-1']);
      // The second answer brings trace_fresh to 5 rows; a third (6 or more) triggers the move.
      rows.write([TRACES[1]!]);
      expect([count('trace_fresh'), count('trace_fingerprints')]).toEqual([5, 0]);
      rows.write([{ ...TRACES[1]!, callId: 'call-3', fingerprints: [14, 15] }]);
      expect([count('trace_fresh'), count('trace_fingerprints')]).toEqual([0, 7]);
      expect(holders()).toEqual(['11:call-1', '12:call-1', '12:call-2', '13:call-1', '14:call-2', '14:call-3']);
      rows.write([{ ...TRACES[1]!, callId: 'call-4', fingerprints: [12] }]);
      // Half in each table: counts and holders add both.
      expect(rows.holderCounts([12, 14, 99]).sort((a, b) => a.fingerprint - b.fingerprint)).toEqual([{ fingerprint: 12, holders: 3 }, { fingerprint: 14, holders: 2 }]);
      expect(holders()).toContain('12:call-4');
      // Expiry empties both tables of an expired call.
      expect(rows.expire('2030-01-03T00:00:00.000Z')).toBe(4);
      expect([count('trace_fresh'), count('trace_fingerprints')]).toEqual([0, 0]);
    } finally {
      trace.close();
    }
  });

  it('keeps a committed batch when the move to trace_fingerprints fails, and moves it after a later batch', () => {
    const trace = openTraceDatabase(traceDatabaseBeside(path));
    try {
      const rows = sqliteTraceRows(trace, { mergeRows: 1 });
      trace.exec("CREATE TRIGGER refuse BEFORE INSERT ON trace_fingerprints BEGIN SELECT RAISE(ABORT, 'refused'); END");
      expect(() => rows.write([TRACES[0]!])).not.toThrow();
      expect(rows.holders([11]).map((h) => h.callId)).toEqual(['call-1']);
      expect(trace.prepare('SELECT count(*) FROM trace_fresh').pluck().get()).toBe(3);
      trace.exec('DROP TRIGGER refuse');
      rows.write([TRACES[1]!]);
      expect(trace.prepare('SELECT count(*) FROM trace_fresh').pluck().get()).toBe(0);
      expect(rows.holders([11, 12, 13, 14]).map((h) => `${h.fingerprint}:${h.callId}`).sort()).toEqual(['11:call-1', '12:call-1', '12:call-2', '13:call-1', '14:call-2']);
    } finally {
      trace.close();
    }
  });

  it('refuses a trace file written by a newer gateway, saying what to do', () => {
    const newer = new Database(traceDatabaseBeside(path));
    newer.pragma('user_version = 99');
    newer.close();
    expect(() => openSqliteStore(path)).toThrow(/newer gateway.*restore a backup/u);
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
