/**
 * The testers page's usage figures (requests, tokens, refusals, cut calls of the last 7 days, as
 * `tester list` shows them), kept up to date instead of summed from a week of audit entries on every
 * load: each look folds in only the entries the log gained (audit-follower.ts) and takes out those
 * that left the window. The same sums as `usageFromStore` by tester over the same window (a test
 * holds them equal); memory is one small record per call of the week.
 */
import { summarizeUsage, type UsageRow } from '../admin/usage.js';
import type { AuditEntry, Store } from '../store/store.js';
import { createAuditFollower } from './audit-follower.js';

/** One call or refusal of the window, reduced to what the sums need. */
interface Counted {
  atMs: number;
  row: UsageRow;
}

const TYPES = ['model.call', 'refusal'] as const;

export interface TesterUsage {
  /** Usage per tester of the `windowMs` up to `nowMs`. */
  at(nowMs: number): Promise<Map<string, UsageRow>>;
}

const sum = (into: UsageRow, row: UsageRow, sign: 1 | -1) => {
  into.requests += sign * row.requests;
  into.promptTokens += sign * row.promptTokens;
  into.completionTokens += sign * row.completionTokens;
  into.refusals += sign * row.refusals;
  into.cut += sign * row.cut;
};

export function createTesterUsage(store: Pick<Store, 'auditTail' | 'auditQuery' | 'listDevices'>, windowMs: number, options: { pageSize?: number } = {}): TesterUsage {
  const follower = createAuditFollower(store, TYPES, options.pageSize);
  /** Oldest first (by time, so the window's start takes out a prefix). */
  const counted: Counted[] = [];
  const totals = new Map<string, UsageRow>();
  let testerOfDevice = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();

  async function add(entries: AuditEntry[]): Promise<void> {
    // The tester of a call without one in its details is its device's: the device list is read again
    // only when a device not seen before made calls.
    if (entries.some((e) => e.actor.startsWith('device:') && !testerOfDevice.has(e.actor.slice(7)))) {
      testerOfDevice = new Map((await store.listDevices()).map((d) => [d.id, d.tester] as const));
    }
    for (const entry of entries) {
      if (!(TYPES as readonly string[]).includes(entry.type)) continue; // e.g. refusal.summary
      // summarizeUsage over one entry: the one definition of what a call or refusal counts.
      const [row] = summarizeUsage([entry], 'tester', (id) => testerOfDevice.get(id));
      if (!row) continue;
      const item = { atMs: Date.parse(entry.time), row };
      let at = counted.length;
      while (at > 0 && counted[at - 1]!.atMs > item.atMs) at--; // nearly always at the end
      counted.splice(at, 0, item);
      let total = totals.get(row.key);
      if (!total) totals.set(row.key, (total = { key: row.key, requests: 0, promptTokens: 0, completionTokens: 0, refusals: 0, cut: 0 }));
      sum(total, row, 1);
    }
  }

  function expire(startMs: number): void {
    let gone = 0;
    while (gone < counted.length && counted[gone]!.atMs < startMs) {
      const { row } = counted[gone]!;
      const total = totals.get(row.key)!;
      sum(total, row, -1);
      if (total.requests === 0 && total.refusals === 0) totals.delete(row.key);
      gone++;
    }
    counted.splice(0, gone);
  }

  return {
    at(nowMs) {
      const startMs = nowMs - windowMs;
      // One look at a time: two page loads at once must not count the same entries twice.
      const look = queue.then(async () => {
        await add(await follower.added(new Date(startMs).toISOString()));
        expire(startMs);
        return new Map([...totals].map(([key, row]) => [key, { ...row }] as const));
      });
      queue = look.catch(() => undefined);
      return look;
    },
  };
}
