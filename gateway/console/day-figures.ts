/**
 * The overview's 24 h figures (requests and tokens per hour, refusals by code), kept as hourly
 * buckets that each look at the audit log only adds to (audit-follower.ts: the entries after the
 * last one folded in), so a page load costs a read of what is new, not of a day of calls. The
 * console starts the first look (the day, once) when it starts. Buckets older than the window are
 * dropped, so memory stays at 25 buckets.
 */
import type { AuditEntry, Store } from '../store/store.js';
import { createAuditFollower } from './audit-follower.js';
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
  const follower = createAuditFollower(store, TYPES, pageSize);
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
    const firstStart = firstStartOf(nowMs);
    for (const entry of await follower.added(new Date(firstStart).toISOString())) fold(entry, firstStart);
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
