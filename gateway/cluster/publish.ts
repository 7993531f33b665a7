/**
 * Records a cluster event inside the caller's transaction, the one that makes the change: the row
 * and the NOTIFY commit with it or not at all. The chain lock makes `seq` follow commit order.
 */
import { CHAIN_LOCK } from '../store/postgres/locks.js';
import type { Queryable } from '../store/postgres/queryable.js';
import { CLUSTER_CHANNEL, eventFromRow, subjectOf, type ClusterChange, type ClusterEvent, type ClusterEventRow } from './events.js';

export async function publishClusterEvent(tx: Queryable, change: ClusterChange): Promise<ClusterEvent> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  const reason = 'reason' in change ? change.reason : '';
  const { rows } = await tx.query<ClusterEventRow>(
    `INSERT INTO cluster_events (seq, kind, subject, reason)
     SELECT coalesce(max(seq), 0) + 1, $1, $2, $3 FROM cluster_events
     RETURNING seq, kind, subject, reason`,
    [change.kind, subjectOf(change), reason],
  );
  const event = eventFromRow(rows[0]!);
  await tx.query('SELECT pg_notify($1, $2)', [CLUSTER_CHANNEL, JSON.stringify(event)]);
  return event;
}

/** Events after `afterSeq`, oldest first: what an instance missed while it was not listening. */
export async function clusterEventsAfter(db: Queryable, afterSeq: number): Promise<ClusterEvent[]> {
  const { rows } = await db.query<ClusterEventRow>(
    'SELECT seq, kind, subject, reason FROM cluster_events WHERE seq > $1 ORDER BY seq',
    [afterSeq],
  );
  return rows.map(eventFromRow);
}

export async function lastClusterSeq(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM cluster_events');
  return Number(rows[0]?.seq ?? 0);
}
