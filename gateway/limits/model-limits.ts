/**
 * The per-tester limits of DESIGN.md applied to one model call, in a fixed order: open streams a
 * device (cheapest, and a refused call must not spend a request), requests a minute, tokens a day.
 */
import { AirlockError } from '../../protocol/errors.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import { createRequestRateLimiter, type RequestRateLimiter } from './request-rate.js';
import { checkTokenBudget, type TokenUsageLedger } from './token-budget.js';
import { createStreamSlots, type StreamSlots } from './stream-slots.js';

/** How long a client refused for open streams should wait: streams end at unknown times. */
const STREAM_RETRY_AFTER_SECONDS = 1;

export interface ModelLimits {
  /** Throws `rate_limited` (with retryAfter) or returns the release function of the call's slot. */
  admit(call: { tester: string; deviceId: string }, limits: Policy['limits'], nowMs: number): Promise<() => void>;
  /** Counts a finished call's tokens against the tester's day. */
  record(tester: string, tokens: number, nowMs: number): Promise<void>;
  readonly slots: StreamSlots;
  readonly rate: RequestRateLimiter;
}

export function createModelLimits(ledger: TokenUsageLedger): ModelLimits {
  const slots = createStreamSlots();
  const rate = createRequestRateLimiter();
  return {
    slots,
    rate,
    async admit({ tester, deviceId }, limits, nowMs) {
      const release = slots.acquire(deviceId, limits.streamsPerDevice);
      if (!release) {
        throw new AirlockError('rate_limited', `This device already has ${limits.streamsPerDevice} open model calls. Wait for one to finish.`, { retryAfter: STREAM_RETRY_AFTER_SECONDS });
      }
      try {
        const perMinute = rate.take(tester, limits.requestsPerMinute, nowMs);
        if (!perMinute.allowed) {
          throw new AirlockError('rate_limited', `Limit of ${limits.requestsPerMinute} model requests a minute reached.`, { retryAfter: perMinute.retryAfterSeconds });
        }
        const budget = checkTokenBudget(await ledger.tokensUsedToday(tester, new Date(nowMs)), limits.tokensPerDay, nowMs);
        if (!budget.allowed) {
          throw new AirlockError('rate_limited', `Daily limit of ${limits.tokensPerDay} tokens reached; it resets at midnight UTC.`, { retryAfter: budget.retryAfterSeconds });
        }
        return release;
      } catch (error) {
        release();
        throw error;
      }
    },
    async record(tester, tokens, nowMs) {
      if (tokens > 0) await ledger.addTokenUsage(tester, tokens, new Date(nowMs));
    },
  };
}
