/**
 * What the audit log gained since the last look: the entries of some types whose `seq` is above
 * the last one seen (at most head - last of them, read newest first a page at a time), so a figure
 * kept up to date costs a read of what is new, not of its whole window. The first look reads the
 * window once. Used by the overview's 24 h figures and the testers' 7-day usage.
 */
import type { AuditEntry, Store } from '../store/store.js';

export interface AuditFollower {
  /** Entries added since the last call, of the types given, at or after `since` (ISO time), oldest first. */
  added(since: string): Promise<AuditEntry[]>;
}

export function createAuditFollower(store: Pick<Store, 'auditTail' | 'auditQuery'>, typePrefixes: readonly string[], pageSize = 5000): AuditFollower {
  let seenSeq = 0;
  return {
    async added(since) {
      const head = (await store.auditTail(1))[0]?.seq ?? 0;
      if (head <= seenSeq) return [];
      const found: AuditEntry[] = [];
      for (const typePrefix of typePrefixes) {
        let before = head + 1;
        for (;;) {
          // No more than head - seenSeq entries can be new: on a warm look this reads only them.
          const limit = Math.max(1, Math.min(pageSize, before - 1 - seenSeq));
          const page = await store.auditQuery({ beforeSeq: before, limit, typePrefix, since });
          const fresh = page.filter((e) => e.seq > seenSeq && e.seq <= head);
          found.push(...fresh);
          const last = page.at(-1);
          if (!last || page.length < limit || fresh.length < page.length || last.seq <= seenSeq + 1) break;
          before = last.seq;
        }
      }
      seenSeq = head;
      return found.sort((a, b) => a.seq - b.seq);
    },
  };
}
