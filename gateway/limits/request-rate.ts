/**
 * Requests a minute per key, as a GCRA (generic cell rate algorithm): one number per key (the
 * theoretical arrival time), an exact Retry-After, and a burst of the whole minute's allowance.
 * Pure: the caller passes the time, so tests need no clock.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one more request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RequestRateLimiter {
  take(key: string, perMinute: number, nowMs: number): RateDecision;
  /** Keys tracked (for tests and memory checks). */
  size(): number;
}

const WINDOW_MS = 60_000;

export function createRequestRateLimiter(): RequestRateLimiter {
  const arrival = new Map<string, number>();
  let lastSweep = 0;

  // Keys whose allowance has fully refilled carry no information; drop them so memory follows
  // the number of active testers, not every tester ever seen.
  function sweep(nowMs: number): void {
    if (nowMs - lastSweep < WINDOW_MS) return;
    lastSweep = nowMs;
    for (const [key, tat] of arrival) if (tat <= nowMs) arrival.delete(key);
  }

  return {
    take(key, perMinute, nowMs) {
      sweep(nowMs);
      const interval = WINDOW_MS / perMinute;
      const tat = Math.max(arrival.get(key) ?? nowMs, nowMs);
      const next = tat + interval;
      if (next - nowMs > WINDOW_MS) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((next - WINDOW_MS - nowMs) / 1000)) };
      }
      arrival.set(key, next);
      return { allowed: true, retryAfterSeconds: 0 };
    },
    size() {
      return arrival.size;
    },
  };
}
