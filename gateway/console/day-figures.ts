/**
 * The overview's 24 h figures (requests and tokens per hour, refusals by code), kept as hourly
 * buckets that each look at the audit log only adds: the entries after the last one folded in
 * (`seq` above it, at most head - last of them), so a page load costs a read of what is new, not of
 * a day of calls. The first look reads the day once, a page at a time; the console starts it when it
 * starts. Buckets older than the window are dropped, so memory stays at 25 buckets.
 */
import type { AuditEntry, Store } from '../store/store.js';
import { entryFigures, HOUR, sortedCounts, type HourBucket } from './figures.js';

export interface DayFiguresView {
  hours: HourBucket[];
  refusals: { code: string; count: number }[];
}

interface Bucket {
  requests: number;
  tokens: number;
  refusals: Map<string, number>;
}

const TYPES = ['model.call', 'refusal'] as const;

export interface DayFigures {
  /** Folds in what the log gained since the last look, then answers for the 24 hours up to `nowMs`. */
  at(nowMs: number): Promise<DayFiguresView>;
}

export function createDayFigures(store: Pick<Store, 'auditTail' | 'auditQuery'>, options: { hours?: number; pageSize?: number } = {}): DayFigures {
  const hours = options.hours ?? 24;
  const pageSize = options.pageSize ?? 5000;
  const buckets = new Map<number, Bucket>();
  let foldedSeq = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const firstStartOf = (nowMs: number) => Math.floor(nowMs / HOUR) * HOUR - (hours - 1) * HOUR;

  function fold(entry: AuditEntry, firstStart: number): void {
    const hour = Math.floor(Date.parse(entry.time) / HOUR) * HOUR;
    if (!(hour >= firstStart)) return;
    const figures = entryFigures(entry);
    if (!figures) return;
    let bucket = buckets.get(hour);
    if (!bucket) buckets.set(hour, (bucket = { requests: 0, tokens: 0, refusals: new Map() }));
    if (figures.call) {
      bucket.requests++;
      bucket.tokens += figures.tokens;
    }
    if (figures.refusal) bucket.refusals.set(figures.refusal, (bucket.refusals.get(figures.refusal) ?? 0) + 1);
  }

  async function catchUp(nowMs: number): Promise<void> {
    const head = (await store.auditTail(1))[0]?.seq ?? 0;
    if (head <= foldedSeq) return;
    const firstStart = firstStartOf(nowMs);
    const since = new Date(firstStart).toISOString();
    for (const typePrefix of TYPES) {
      let before = head + 1;
      for (;;) {
        // No more than head - foldedSeq entries can be new: on a warm look this reads only them.
        const limit = Math.max(1, Math.min(pageSize, before - 1 - foldedSeq));
        const page = await store.auditQuery({ beforeSeq: before, limit, typePrefix, since });
        const fresh = page.filter((e) => e.seq > foldedSeq && e.seq <= head);
        for (const entry of fresh) fold(entry, firstStart);
        const last = page.at(-1);
        if (!last || page.length < limit || fresh.length < page.length || last.seq <= foldedSeq + 1) break;
        before = last.seq;
      }
    }
    foldedSeq = head;
  }

  function view(nowMs: number): DayFiguresView {
    const firstStart = firstStartOf(nowMs);
    for (const hour of buckets.keys()) if (hour < firstStart) buckets.delete(hour);
    const refusals = new Map<string, number>();
    const out: HourBucket[] = [];
    for (let i = 0; i < hours; i++) {
      const start = firstStart + i * HOUR;
      const bucket = buckets.get(start);
      out.push({ start: new Date(start).toISOString(), requests: bucket?.requests ?? 0, tokens: bucket?.tokens ?? 0 });
      for (const [code, count] of bucket?.refusals ?? []) refusals.set(code, (refusals.get(code) ?? 0) + count);
    }
    return { hours: out, refusals: sortedCounts(refusals) };
  }

  return {
    at(nowMs) {
      // One look at a time: two page loads at once must not fold the same entries twice.
      const look = queue.then(() => catchUp(nowMs));
      queue = look.catch(() => undefined);
      return look.then(() => view(nowMs));
    },
  };
}
