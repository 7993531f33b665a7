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

/** trace_fresh rows that trigger a move into trace_fingerprints (trace-database.ts): about a thousand 300-word answers. */
export const MERGE_ROWS = 100_000;

export function sqliteTraceRows(db: Database.Database, options: { mergeRows?: number } = {}): SqliteTraceRows {
  const mergeRows = options.mergeRows ?? MERGE_ROWS;
  const call = db.prepare('INSERT OR IGNORE INTO trace_calls (call_id, tester, device_id, model, created_at) VALUES (?, ?, ?, ?, ?)');
  // An answer's fingerprints in one statement (a JSON array), appended to trace_fresh.
  const fingerprints = db.prepare('INSERT OR IGNORE INTO trace_fresh (call, hash) SELECT ?, value FROM json_each(?)');
  const freshRows = db.prepare('SELECT count(*) FROM trace_fresh').pluck();
  const merge = db.prepare('INSERT OR IGNORE INTO trace_fingerprints (hash, call) SELECT hash, call FROM trace_fresh ORDER BY hash, call');
  const emptyFresh = db.prepare('DELETE FROM trace_fresh');
  // Both tables: a (hash, call) pair is in one of them (a merge moves rows in one transaction).
  const holders = db.prepare(`SELECT f.hash AS fingerprint, c.call_id AS callId, c.tester, c.device_id AS deviceId, c.model, c.created_at AS createdAt
    FROM json_each(@fingerprints) j JOIN trace_fingerprints f ON f.hash = j.value JOIN trace_calls c ON c.id = f.call
    UNION ALL
    SELECT f.hash, c.call_id, c.tester, c.device_id, c.model, c.created_at
    FROM trace_fresh f JOIN trace_calls c ON c.id = f.call WHERE f.hash IN (SELECT value FROM json_each(@fingerprints))`);
  const counts = db.prepare(`SELECT hash AS fingerprint, count(*) AS holders FROM (
      SELECT f.hash FROM json_each(@fingerprints) j JOIN trace_fingerprints f ON f.hash = j.value
      UNION ALL
      SELECT hash FROM trace_fresh WHERE hash IN (SELECT value FROM json_each(@fingerprints))
    ) GROUP BY hash`);
  const expireFingerprints = db.prepare('DELETE FROM trace_fingerprints WHERE call IN (SELECT id FROM trace_calls WHERE created_at < ?)');
  const expireFresh = db.prepare('DELETE FROM trace_fresh WHERE call IN (SELECT id FROM trace_calls WHERE created_at < ?)');
  const expireCalls = db.prepare('DELETE FROM trace_calls WHERE created_at < ?');
  const insertCheck = db.prepare('INSERT OR IGNORE INTO trace_key_check (id, check_value, created_at) VALUES (1, ?, ?)');
  const storedCheck = db.prepare('SELECT check_value FROM trace_key_check WHERE id = 1').pluck();
  // Rows this connection believes trace_fresh holds: counted at open, then its own inserts. Another
  // process writing the same file adds rows this count misses; each merges at its own count, so
  // trace_fresh stays within a few MERGE_ROWS.
  let fresh = freshRows.get() as number;
  // IMMEDIATE: the write lock is taken at BEGIN, so a busy store waits (busy_timeout) instead of failing mid-batch.
  const write = db.transaction((traces: readonly AnswerTrace[]) => {
    for (const trace of traces) {
      const added = call.run(trace.callId, trace.tester, trace.deviceId, trace.model, trace.createdAt);
      if (added.changes === 0) continue;
      fresh += fingerprints.run(Number(added.lastInsertRowid), JSON.stringify(trace.fingerprints)).changes;
    }
  });
  const mergeFresh = db.transaction(() => {
    merge.run();
    emptyFresh.run();
  });
  // A call's fingerprints go with it (no foreign key cascade: see trace-database.ts).
  const expire = db.transaction((cutoff: string) => {
    expireFingerprints.run(cutoff);
    expireFresh.run(cutoff);
    return expireCalls.run(cutoff).changes;
  });
  const claim = db.transaction((check: string, at: string) => {
    insertCheck.run(check, at);
    return storedCheck.get() as string;
  });
  return {
    write: (traces) => {
      write.immediate(traces);
      if (fresh < mergeRows) return;
      // Its own transaction after the batch's: the batch is committed whatever the move meets. A
      // move that fails (the lock busy past busy_timeout, the disk full) leaves every row where a
      // trace reads it, in trace_fresh, and is tried again after the next batch; it must not make
      // a committed batch look lost.
      try {
        mergeFresh.immediate();
        fresh = 0;
      } catch {
        // retried after the next batch
      }
    },
    holders: (fingerprints) => holders.all({ fingerprints: JSON.stringify(fingerprints) }) as TraceHolding[],
    holderCounts: (fingerprints) => counts.all({ fingerprints: JSON.stringify(fingerprints) }) as HolderCount[],
    expire: (cutoff) => expire.immediate(cutoff),
    claimKeyCheck: (check, at) => claim.immediate(check, at),
  };
}
