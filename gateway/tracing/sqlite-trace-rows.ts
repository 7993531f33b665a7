/**
 * Leak tracing's rows in the SQLite trace file (trace-database.ts, DATA/trace.db): the statements
 * the store's connection to that file uses and the tracer's worker (trace-worker.ts) uses on its own.
 */
import type Database from 'better-sqlite3';
import type { AnswerTrace, HolderCount, TraceHolding } from './trace-records.js';

export interface SqliteTraceRows {
  /** Stores each answer's fingerprints in one transaction; a call traced twice keeps the first. */
  write(traces: readonly AnswerTrace[]): void;
  holders(fingerprints: readonly number[]): TraceHolding[];
  /** Calls holding each fingerprint, from the (hash, call) key alone; fingerprints none holds left out. */
  holderCounts(fingerprints: readonly number[]): HolderCount[];
  /** Deletes the traces made before `cutoff` (ISO time); returns how many calls went. */
  expire(cutoff: string): number;
  /** Stores `check` when no check value is stored yet; returns the stored one either way. */
  claimKeyCheck(check: string, at: string): string;
}

export function sqliteTraceRows(db: Database.Database): SqliteTraceRows {
  const call = db.prepare('INSERT OR IGNORE INTO trace_calls (call_id, tester, device_id, model, created_at) VALUES (?, ?, ?, ?, ?)');
  // An answer's fingerprints in one statement (a JSON array), not one statement per row.
  const fingerprints = db.prepare('INSERT OR IGNORE INTO trace_fingerprints (hash, call) SELECT value, ? FROM json_each(?)');
  const holders = db.prepare(`SELECT f.hash AS fingerprint, c.call_id AS callId, c.tester, c.device_id AS deviceId, c.model, c.created_at AS createdAt
    FROM json_each(?) j JOIN trace_fingerprints f ON f.hash = j.value JOIN trace_calls c ON c.id = f.call`);
  const counts = db.prepare(`SELECT f.hash AS fingerprint, count(*) AS holders
    FROM json_each(?) j JOIN trace_fingerprints f ON f.hash = j.value GROUP BY f.hash`);
  const expireFingerprints = db.prepare('DELETE FROM trace_fingerprints WHERE call IN (SELECT id FROM trace_calls WHERE created_at < ?)');
  const expireCalls = db.prepare('DELETE FROM trace_calls WHERE created_at < ?');
  const insertCheck = db.prepare('INSERT OR IGNORE INTO trace_key_check (id, check_value, created_at) VALUES (1, ?, ?)');
  const storedCheck = db.prepare('SELECT check_value FROM trace_key_check WHERE id = 1').pluck();
  // IMMEDIATE: the write lock is taken at BEGIN, so a busy store waits (busy_timeout) instead of failing mid-batch.
  const write = db.transaction((traces: readonly AnswerTrace[]) => {
    for (const trace of traces) {
      const added = call.run(trace.callId, trace.tester, trace.deviceId, trace.model, trace.createdAt);
      if (added.changes === 0) continue;
      fingerprints.run(Number(added.lastInsertRowid), JSON.stringify(trace.fingerprints));
    }
  });
  // A call's fingerprints go with it (no foreign key cascade: see trace-database.ts).
  const expire = db.transaction((cutoff: string) => {
    expireFingerprints.run(cutoff);
    return expireCalls.run(cutoff).changes;
  });
  const claim = db.transaction((check: string, at: string) => {
    insertCheck.run(check, at);
    return storedCheck.get() as string;
  });
  return {
    write: (traces) => write.immediate(traces),
    holders: (fingerprints) => holders.all(JSON.stringify(fingerprints)) as TraceHolding[],
    holderCounts: (fingerprints) => counts.all(JSON.stringify(fingerprints)) as HolderCount[],
    expire: (cutoff) => expire.immediate(cutoff),
    claimKeyCheck: (check, at) => claim.immediate(check, at),
  };
}
