/**
 * The audit hash chain on PostgreSQL: one chain for every instance. An append takes the chain lock
 * (held until its transaction commits), reads the head and links to it, so appends from several
 * instances form one sequence that `audit verify` walks like SQLite's.
 */
import type pg from 'pg';
import { chainedEntry, createChainVerifier, GENESIS_HASH, verdictAtEnd, type AuditAnchor, type AuditRow } from '../../audit/chain.js';
import type { AuditEntry, AuditInput, AuditQuery, AuditVerifyResult } from '../store.js';
import { CHAIN_LOCK } from './locks.js';
import type { Queryable } from './queryable.js';
import { auditQueryParams, toAudit, type AuditDbRow } from '../rows.js';

const COLUMNS = 'seq, time, type, actor, subject, details, prev_hash, hash';

/** Appends inside the caller's transaction (the one making the change the entry describes). */
export async function appendAuditTx(tx: Queryable, input: AuditInput, time: string): Promise<AuditEntry> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  const { rows } = await tx.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const entry = chainedEntry({ seq: rows[0] ? Number(rows[0].seq) : 0, hash: rows[0]?.hash ?? GENESIS_HASH }, time, input);
  await tx.query(`INSERT INTO audit (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [entry.seq, entry.time, entry.type, entry.actor, entry.subject, entry.details, entry.prevHash, entry.hash]);
  return entry;
}

/** The last `n` entries, oldest first. */
export async function auditEntry(db: Queryable, seq: number): Promise<AuditEntry | null> {
  const { rows } = await db.query<AuditDbRow>(`SELECT ${COLUMNS} FROM audit WHERE seq = $1`, [seq]);
  return rows[0] ? toAudit(rows[0]) : null;
}

export async function auditTail(db: Queryable, n: number): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditDbRow>(`SELECT ${COLUMNS} FROM audit ORDER BY seq DESC LIMIT $1`, [n]);
  return rows.reverse().map(toAudit);
}

/** Filtered entries, newest first (Store.auditQuery). */
export async function auditQuery(db: Queryable, query: AuditQuery): Promise<AuditEntry[]> {
  const p = auditQueryParams(query);
  const { rows } = await db.query<AuditDbRow>(
    `SELECT ${COLUMNS} FROM audit WHERE seq < $1
       AND ($2::text IS NULL OR starts_with(type, $2::text))
       AND ($3::text IS NULL OR time >= $3::text) AND ($4::text IS NULL OR time < $4::text)
       AND ($5::text IS NULL OR strpos(actor, $5::text) > 0 OR strpos(subject, $5::text) > 0 OR strpos(details, $5::text) > 0)
     ORDER BY seq DESC LIMIT $6`,
    [p.before, p.type, p.since, p.until, p.text, p.limit],
  );
  return rows.map(toAudit);
}

/** Walks the whole chain page by page (keyset paging keeps memory flat on a long log). */
export async function auditVerify(pool: pg.Pool, anchor?: AuditAnchor, pageSize = 20_000): Promise<AuditVerifyResult> {
  const verifier = createChainVerifier(anchor);
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<AuditDbRow>(`SELECT ${COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, pageSize]);
    for (const row of rows) {
      const seq = Number(row.seq);
      const tuple: AuditRow = [seq, row.time, row.type, row.actor, row.subject, row.details, row.prev_hash, row.hash];
      const bad = verifier.push(tuple);
      if (bad !== null) return { ok: false, entries: verifier.entries, firstBad: seq, reason: bad, head: verifier.head };
      after = seq;
    }
    if (rows.length < pageSize) return verdictAtEnd(verifier);
  }
}
