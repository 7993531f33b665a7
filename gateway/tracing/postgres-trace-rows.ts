/**
 * Leak tracing's rows in the PostgreSQL store (migrations 6 and 7): the statements the store uses
 * and the tracer's worker (trace-worker.ts) uses on its own pool. Fingerprints travel as text: a
 * 48-bit value is exact in a JavaScript number and a bigint, but pg returns bigint as text.
 */
import type { Queryable } from '../store/postgres/queryable.js';
import type { AnswerTrace, HolderCount, TraceHolding } from './trace-records.js';

/** Stores each answer's fingerprints; run it inside one transaction. A call traced twice keeps the first. */
export async function writeTraces(db: Queryable, traces: readonly AnswerTrace[]): Promise<void> {
  if (traces.length === 0) return;
  const added = await db.query<{ call_id: string }>(
    `INSERT INTO trace_calls (call_id, tester, device_id, model, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT (call_id) DO NOTHING RETURNING call_id`,
    [traces.map((t) => t.callId), traces.map((t) => t.tester), traces.map((t) => t.deviceId), traces.map((t) => t.model), traces.map((t) => t.createdAt)],
  );
  const fresh = new Set(added.rows.map((r) => r.call_id));
  const hashes: string[] = [];
  const calls: string[] = [];
  const times: string[] = [];
  for (const trace of traces) {
    if (!fresh.has(trace.callId)) continue;
    fresh.delete(trace.callId);
    for (const hash of new Set(trace.fingerprints)) {
      hashes.push(String(hash));
      calls.push(trace.callId);
      times.push(trace.createdAt);
    }
  }
  if (hashes.length === 0) return;
  await db.query('INSERT INTO trace_fingerprints (hash, call_id, created_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING', [hashes, calls, times]);
}

export async function traceHolders(db: Queryable, fingerprints: readonly number[]): Promise<TraceHolding[]> {
  const rows = await db.query<{ fingerprint: string; callId: string; tester: string; deviceId: string; model: string; createdAt: string }>(
    `SELECT f.hash::text AS fingerprint, c.call_id AS "callId", c.tester, c.device_id AS "deviceId", c.model, c.created_at AS "createdAt"
     FROM trace_fingerprints f JOIN trace_calls c ON c.call_id = f.call_id WHERE f.hash = ANY($1::bigint[])`,
    [fingerprints.map(String)],
  );
  return rows.rows.map((row) => ({ ...row, fingerprint: Number(row.fingerprint) }));
}

/** Calls holding each fingerprint; fingerprints none holds left out. */
export async function traceHolderCounts(db: Queryable, fingerprints: readonly number[]): Promise<HolderCount[]> {
  const { rows } = await db.query<{ fingerprint: string; holders: string }>(
    'SELECT hash::text AS fingerprint, count(*)::text AS holders FROM trace_fingerprints WHERE hash = ANY($1::bigint[]) GROUP BY hash',
    [fingerprints.map(String)],
  );
  return rows.map((row) => ({ fingerprint: Number(row.fingerprint), holders: Number(row.holders) }));
}

/** Deletes the traces made before `cutoff` (ISO time); returns how many calls went. */
export async function expireTraces(db: Queryable, cutoff: string): Promise<number> {
  return (await db.query('DELETE FROM trace_calls WHERE created_at COLLATE "C" < $1', [cutoff])).rowCount ?? 0;
}

/** Stores `check` when no check value is stored yet (the first instance to start); returns the stored one. */
export async function claimKeyCheck(db: Queryable, check: string, at: string): Promise<string> {
  await db.query('INSERT INTO trace_key_check (id, check_value, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [check, at]);
  const { rows } = await db.query<{ check_value: string }>('SELECT check_value FROM trace_key_check WHERE id = 1');
  return rows[0]!.check_value;
}
