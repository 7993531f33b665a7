/**
 * Cluster events: the changes every gateway instance on one PostgreSQL must act on at once
 * (revocations, suspensions and their ends, policy changes). Each is a row of `cluster_events` written in the same
 * transaction as the change itself, and a NOTIFY on `airlock_cluster` sent at that commit. The row
 * is the truth; the notification only makes it fast. `seq` increases in commit order (assigned under
 * the chain lock), so "every event after the last one I applied" is a complete catch-up.
 */
import { z } from 'zod';
import { deviceId, email } from '../../protocol/schemas/common.js';

export const CLUSTER_CHANNEL = 'airlock_cluster';

const seq = z.number().int().positive();
const reason = z.string().max(500);

export const clusterEvent = z.discriminatedUnion('kind', [
  z.strictObject({ seq, kind: z.literal('device.revoked'), deviceId, reason }),
  z.strictObject({ seq, kind: z.literal('tester.suspended'), tester: email, reason }),
  z.strictObject({ seq, kind: z.literal('tester.resumed'), tester: email }),
  z.strictObject({ seq, kind: z.literal('policy.changed') }),
]);
export type ClusterEvent = z.infer<typeof clusterEvent>;

/** An event before it has its sequence number. */
export type ClusterChange =
  | { kind: 'device.revoked'; deviceId: string; reason: string }
  | { kind: 'tester.suspended'; tester: string; reason: string }
  | { kind: 'tester.resumed'; tester: string }
  | { kind: 'policy.changed' };

/** How an event is stored: one subject column for the device or the tester. */
export interface ClusterEventRow {
  seq: string | number;
  kind: string;
  subject: string;
  reason: string;
}

export function subjectOf(change: ClusterChange): string {
  switch (change.kind) {
    case 'device.revoked':
      return change.deviceId;
    case 'tester.suspended':
    case 'tester.resumed':
      return change.tester;
    case 'policy.changed':
      return '';
  }
}

/** Parses a stored row; a row that does not parse is an error, never skipped silently. */
export function eventFromRow(row: ClusterEventRow): ClusterEvent {
  const n = Number(row.seq);
  switch (row.kind) {
    case 'device.revoked':
      return clusterEvent.parse({ seq: n, kind: row.kind, deviceId: row.subject, reason: row.reason });
    case 'tester.suspended':
      return clusterEvent.parse({ seq: n, kind: row.kind, tester: row.subject, reason: row.reason });
    case 'tester.resumed':
      return clusterEvent.parse({ seq: n, kind: row.kind, tester: row.subject });
    default:
      return clusterEvent.parse({ seq: n, kind: row.kind });
  }
}

/** Parses a NOTIFY payload; undefined when it is not one of ours (logged by the caller). */
export function eventFromPayload(payload: string | undefined): ClusterEvent | undefined {
  if (payload === undefined) return undefined;
  try {
    const parsed = clusterEvent.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
