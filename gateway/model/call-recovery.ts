/**
 * At start, before it serves: model calls of the last day that have a `model.call.start` entry
 * but no `model.call` entry (and were not marked already) never ended, because the gateway died
 * under them (kill -9, power loss). Each gets a `model.call.interrupted` entry, so the audit log
 * says a call happened, who made it and that its token counts are unknown.
 *
 * A single gateway only: with several instances on one PostgreSQL, another instance's open calls
 * look the same from here, so they are left alone.
 */
import type { AuditInput, Store } from '../store/store.js';

const LOOK_BACK_MS = 24 * 3600_000;

export async function markInterruptedCalls(store: Pick<Store, 'auditSince' | 'appendAudit'>, nowMs: number): Promise<number> {
  const since = new Date(nowMs - LOOK_BACK_MS).toISOString();
  const entries = await store.auditSince(since, ['model.call.start', 'model.call', 'model.call.interrupted']);
  const open = new Map<string, AuditInput>();
  for (const entry of entries) {
    let details: { callId?: unknown };
    try {
      details = JSON.parse(entry.details) as { callId?: unknown };
    } catch {
      continue;
    }
    if (typeof details.callId !== 'string') continue;
    if (entry.type === 'model.call.start') open.set(details.callId, { type: 'model.call.interrupted', actor: entry.actor, subject: entry.subject, details: { ...details, startedAt: entry.time, startSeq: entry.seq } });
    else open.delete(details.callId);
  }
  for (const entry of open.values()) await store.appendAudit(entry);
  return open.size;
}
