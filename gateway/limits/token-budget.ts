/**
 * Tokens a day per tester. The count lives in the store (so it holds across restarts and
 * instances); the decision is pure. Days are UTC days, so Retry-After is the time to UTC midnight.
 */
import type { RateDecision } from './request-rate.js';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day holding `nowMs`: the key usage is counted under. */
export function utcDay(nowMs: number): string {
  // Called on every model call with the same day: the last day's bounds are kept.
  if (nowMs >= lastDay.from && nowMs < lastDay.to) return lastDay.day;
  const from = Math.floor(nowMs / DAY_MS) * DAY_MS;
  lastDay = { from, to: from + DAY_MS, day: new Date(nowMs).toISOString().slice(0, 10) };
  return lastDay.day;
}
let lastDay = { from: 0, to: 0, day: '' };

export function secondsToUtcMidnight(nowMs: number): number {
  const next = (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
  return Math.max(1, Math.ceil((next - nowMs) / 1000));
}

/** A call may start while the tester has used less than the budget; it may end a little over it. */
export function checkTokenBudget(usedToday: number, perDay: number, nowMs: number): RateDecision {
  if (usedToday < perDay) return { allowed: true, retryAfterSeconds: 0 };
  return { allowed: false, retryAfterSeconds: secondsToUtcMidnight(nowMs) };
}

/** Where token counts are kept: the gateway store's token usage methods (same shape), or memory in unit tests. */
export interface TokenUsageLedger {
  /** Tokens used by the tester on the UTC day of `at`. */
  tokensUsedToday(tester: string, at: Date): Promise<number>;
  addTokenUsage(tester: string, tokens: number, at: Date): Promise<void>;
}

/** The key a tester's usage on the UTC day of `at` is counted under, in memory. */
export function usageKey(tester: string, at: Date): string {
  return `${utcDay(at.getTime())}\u0000${tester}`;
}

export function createMemoryTokenLedger(): TokenUsageLedger {
  const counts = new Map<string, number>();
  return {
    async tokensUsedToday(tester, at) {
      return counts.get(usageKey(tester, at)) ?? 0;
    },
    async addTokenUsage(tester, tokens, at) {
      counts.set(usageKey(tester, at), (counts.get(usageKey(tester, at)) ?? 0) + tokens);
    },
  };
}
