/**
 * Token usage kept in memory between short, periodic flushes to the store. Counting each call
 * straight into the store cost a synchronous fsync'd write on the event loop per model call
 * (about 0.5 ms here), which every following request waited for. The trade: a crash loses at most
 * `flushMs` of usage counts (the audit log still has every call's tokens), and with several
 * instances each one sees the others' usage up to `flushMs` late.
 */
import { usageKey, type TokenUsageLedger } from './token-budget.js';

export interface BufferedLedger extends TokenUsageLedger {
  /** Writes pending counts to the store now (also called on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  /** What the store said at `readAt`. */
  stored: number;
  readAt: number;
  /** Counted here since, not yet written. */
  pending: number;
  /** Being written now: the store may or may not hold them yet, so a re-read waits until it does. */
  inFlight: number;
  at: Date;
  tester: string;
}

export function createBufferedLedger(store: TokenUsageLedger, options: { flushMs: number; now: () => number; onError: (error: unknown) => void }): BufferedLedger {
  const entries = new Map<string, Entry>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;

  async function flushNow(): Promise<void> {
    timer = null;
    for (const [key, entry] of entries) {
      if (entry.pending === 0) {
        // Forget days gone by and entries not used since the last flush; they are re-read on use.
        if (options.now() - entry.readAt > options.flushMs) entries.delete(key);
        continue;
      }
      const tokens = entry.pending;
      entry.pending = 0;
      entry.inFlight += tokens;
      try {
        await store.addTokenUsage(entry.tester, tokens, entry.at);
        entry.stored += tokens;
      } catch (error) {
        entry.pending += tokens;
        options.onError(error);
      } finally {
        entry.inFlight -= tokens;
      }
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    flushing = (flushing ?? Promise.resolve()).then(flushNow);
    return flushing;
  }

  return {
    async tokensUsedToday(tester, at) {
      const key = usageKey(tester, at);
      let entry = entries.get(key);
      const now = options.now();
      if (!entry || (now - entry.readAt > options.flushMs && entry.inFlight === 0)) {
        const stored = await store.tokensUsedToday(tester, at);
        entry = entries.get(key) ?? { stored, readAt: now, pending: 0, inFlight: 0, at, tester };
        // A write that started while the store was read may or may not be in `stored`: keep the old figure.
        if (entry.inFlight === 0) {
          entry.stored = stored;
          entry.readAt = now;
        }
        entries.set(key, entry);
      }
      return entry.stored + entry.pending + entry.inFlight;
    },
    async addTokenUsage(tester, tokens, at) {
      const key = usageKey(tester, at);
      let entry = entries.get(key);
      if (!entry) {
        // Never read: the stored figure is unknown, so it is read again (readAt 0) before the next check.
        entry = { stored: 0, readAt: 0, pending: 0, inFlight: 0, at, tester };
        entries.set(key, entry);
      }
      entry.pending += tokens;
      if (!timer) {
        timer = setTimeout(() => void flush(), options.flushMs);
        timer.unref();
      }
    },
    flush,
    async close() {
      await flush();
    },
  };
}
