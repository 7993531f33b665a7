import type { LockNotice } from '../../protocol/errors.js';
import type { Clock } from './ports.js';

/** What one try to open a session again came to. */
export type UnlockAttempt = 'open' | 'locked' | 'retry';

/** How often to try while a lock has no end (an admin lifts it with `lock remove`). */
export const UNLOCK_POLL_MS = 15_000;

/**
 * While an admin's lock holds (issue 13), the app keeps its key and tries a session again when
 * the lock should have ended (`until`, plus a moment for clocks that differ), or every
 * UNLOCK_POLL_MS when it has no end. `locked` (the gateway refused again, and its new notice is
 * being waited for by a fresh wait) and `open` end this wait; `retry` (unreachable) tries later.
 */
export function waitForUnlock(deps: { clock: Clock; notice: LockNotice; attempt: () => Promise<UnlockAttempt>; pollMs?: number }): { cancel(): void } {
  const pollMs = deps.pollMs ?? UNLOCK_POLL_MS;
  let cancelled = false;
  let timer: { cancel(): void } | null = null;
  const schedule = (delayMs: number) => {
    timer = deps.clock.setTimeout(() => {
      if (cancelled) return;
      void deps.attempt().then(
        (outcome) => {
          if (!cancelled && outcome === 'retry') schedule(pollMs);
        },
        () => {
          if (!cancelled) schedule(pollMs);
        },
      );
    }, delayMs);
  };
  const untilMs = deps.notice.until === null ? NaN : Date.parse(deps.notice.until);
  schedule(Number.isFinite(untilMs) ? Math.max(500, untilMs - deps.clock.now() + 500) : pollMs);
  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
    },
  };
}
