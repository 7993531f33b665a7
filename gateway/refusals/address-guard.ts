/**
 * Refusals a minute per client address. An address that keeps being refused (bad tokens, forged
 * proofs, unknown routes) is answered `rate_limited` before any work for a while, on every route,
 * protected ones included; addresses whose requests succeed are never counted. Pure: the caller
 * passes the time.
 */
import { createRequestRateLimiter } from '../limits/request-rate.js';

export interface AddressGuard {
  /** Counts a refusal; true when the address is now blocked. */
  noteRefusal(address: string, nowMs: number): boolean;
  /** Milliseconds the address stays blocked (0: not blocked). */
  blockedFor(address: string, nowMs: number): number;
}

/** Addresses remembered as blocked at once; the oldest is forgotten first beyond this. */
const MAX_BLOCKED = 100_000;

export function createAddressGuard(refusalsPerMinute: number): AddressGuard {
  const rate = createRequestRateLimiter();
  const blockedUntil = new Map<string, number>();
  return {
    noteRefusal(address, nowMs) {
      const decision = rate.take(address, refusalsPerMinute, nowMs);
      if (decision.allowed) return false;
      if (blockedUntil.size >= MAX_BLOCKED) blockedUntil.delete(blockedUntil.keys().next().value!);
      blockedUntil.set(address, nowMs + decision.retryAfterSeconds * 1000);
      return true;
    },
    blockedFor(address, nowMs) {
      const until = blockedUntil.get(address);
      if (until === undefined) return 0;
      if (until <= nowMs) {
        blockedUntil.delete(address);
        return 0;
      }
      return until - nowMs;
    },
  };
}
