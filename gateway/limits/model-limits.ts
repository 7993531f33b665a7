/**
 * The per-tester limits of DESIGN.md applied to one model call, in a fixed order: open streams a
 * device (cheapest, and a refused call must not spend a request), requests a minute, tokens a day.
 *
 * The day's token budget holds during a call too, not only at its start: an admitted call learns
 * how many tokens are left (the proxy caps max_tokens to it) and meters what it streams; the
 * tokens of calls still open count against the tester at once, so parallel calls share one budget.
 */
import { AirlockError } from '../../protocol/errors.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import { createRequestRateLimiter, type RequestRateLimiter } from './request-rate.js';
import { checkTokenBudget, type TokenUsageLedger } from './token-budget.js';
import { createStreamSlots, type StreamSlots } from './stream-slots.js';

/** How long a client refused for open streams should wait: streams end at unknown times. */
const STREAM_RETRY_AFTER_SECONDS = 1;

/** One admitted call: its stream slot and its share of the day's tokens. */
export interface Admission {
  /** Tokens left of the tester's day when the call was admitted (calls still open counted). */
  readonly tokensLeft: number;
  /**
   * The call's tokens so far (a running total, prompt included). False once the tester's day,
   * counting every open call, is over budget: the caller ends the call.
   */
  meter(tokensSoFar: number): boolean;
  /** Gives the stream slot back; idempotent. */
  release(): void;
  /** Counts the call's final tokens against the day (and stops counting them as open). */
  finish(tokens: number, nowMs: number): Promise<void>;
}

export interface ModelLimits {
  /** Throws `rate_limited` (with retryAfter) or admits the call. */
  admit(call: { tester: string; deviceId: string }, limits: Policy['limits'], nowMs: number): Promise<Admission>;
  /** Counts a finished call's tokens against the tester's day. */
  record(tester: string, tokens: number, nowMs: number): Promise<void>;
  readonly slots: StreamSlots;
  readonly rate: RequestRateLimiter;
}

export function createModelLimits(ledger: TokenUsageLedger): ModelLimits {
  const slots = createStreamSlots();
  const rate = createRequestRateLimiter();
  /** Tokens metered by calls still open, per tester: not in the ledger yet. */
  const open = new Map<string, number>();
  /**
   * Tokens of calls that finished, per tester, ever (a running count): an open call compares it
   * with its value at admission to see what finished since, which its ledger read cannot show.
   */
  const settled = new Map<string, number>();
  const addOpen = (tester: string, tokens: number): number => {
    const total = (open.get(tester) ?? 0) + tokens;
    if (total <= 0) open.delete(tester);
    else open.set(tester, total);
    return total;
  };
  const record = async (tester: string, tokens: number, nowMs: number): Promise<void> => {
    if (tokens > 0) await ledger.addTokenUsage(tester, tokens, new Date(nowMs));
  };
  return {
    slots,
    rate,
    record,
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
        const recorded = await ledger.tokensUsedToday(tester, new Date(nowMs));
        const used = recorded + (open.get(tester) ?? 0);
        const budget = checkTokenBudget(used, limits.tokensPerDay, nowMs);
        if (!budget.allowed) {
          throw new AirlockError('rate_limited', `Daily limit of ${limits.tokensPerDay} tokens reached; it resets at midnight UTC.`, { retryAfter: budget.retryAfterSeconds });
        }
        let metered = 0;
        let finished = false;
        const settledAtAdmission = settled.get(tester) ?? 0;
        return {
          tokensLeft: limits.tokensPerDay - used,
          meter(tokensSoFar) {
            if (finished) return true;
            const openNow = addOpen(tester, tokensSoFar - metered);
            metered = tokensSoFar;
            const finishedSince = (settled.get(tester) ?? 0) - settledAtAdmission;
            return recorded + finishedSince + openNow <= limits.tokensPerDay;
          },
          release,
          async finish(tokens, endMs) {
            if (finished) return;
            finished = true;
            // Recorded first, then no longer open: the tokens are never counted nowhere.
            try {
              await record(tester, tokens, endMs);
            } finally {
              settled.set(tester, (settled.get(tester) ?? 0) + tokens);
              addOpen(tester, -metered);
            }
          },
        };
      } catch (error) {
        release();
        throw error;
      }
    },
  };
}
