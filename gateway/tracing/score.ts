/**
 * Ranking the stored answers a leak matches. A fingerprint held by many distinct answers is
 * boilerplate ("Here is a summary of", "let me know if you"): it proves little about whose answer
 * leaked, so it weighs 1/(answers holding it) and a match made only of boilerplate names nobody.
 */

export interface TraceSettings {
  /** A fingerprint held by at least this many distinct answers is boilerplate. */
  boilerplateAnswers: number;
  /** The weighted share of the leak an answer must cover to be named. */
  minCoverage: number;
  /** The distinctive (non-boilerplate) fingerprints an answer must share to be named. */
  minDistinctive: number;
}

/** Measured in bench/parts/70-tracing.ts: no false attribution on 1,000 unrelated texts (no sweep yet). */
export const DEFAULT_TRACE: TraceSettings = { boilerplateAnswers: 5, minCoverage: 0.1, minDistinctive: 2 };

export interface CallMatch<Call> {
  call: Call;
  /** Weighted share of the leak's fingerprints this answer holds, 0..1. */
  coverage: number;
  /** Fingerprints of the leak this answer holds. */
  matched: number;
  /** Of those, the ones few answers hold. */
  distinctive: number;
}

export type TraceVerdict<Call> =
  | { kind: 'attributed'; leakFingerprints: number; ranked: CallMatch<Call>[] }
  /** Some answers match, but only on boilerplate or too little of the leak to name anyone. */
  | { kind: 'inconclusive'; leakFingerprints: number; ranked: CallMatch<Call>[] }
  | { kind: 'no-match'; leakFingerprints: number; ranked: [] };

/**
 * Scores every answer holding any of `leak`'s fingerprints. `holders` gives, for a fingerprint,
 * the distinct answers (calls) that hold it; a fingerprint no answer holds still counts in the
 * leak's total at full weight (the leak has words no stored answer has). `holderCount` says how
 * many hold it when the store lists only some (trace-leak.ts leaves out heavy boilerplate).
 */
export function scoreLeak<Call>(
  leak: readonly number[],
  holders: (fingerprint: number) => readonly Call[],
  settings: TraceSettings = DEFAULT_TRACE,
  limit = 10,
  holderCount: (fingerprint: number) => number = (f) => holders(f).length,
): TraceVerdict<Call> {
  const distinct = [...new Set(leak)];
  let total = 0;
  let held = false;
  const byCall = new Map<Call, { weight: number; matched: number; distinctive: number }>();
  for (const fingerprint of distinct) {
    const calls = holders(fingerprint);
    const count = Math.max(calls.length, holderCount(fingerprint));
    if (count > 0) held = true;
    const weight = 1 / Math.max(1, count);
    total += weight;
    const isDistinctive = count < settings.boilerplateAnswers;
    for (const call of calls) {
      const score = byCall.get(call) ?? { weight: 0, matched: 0, distinctive: 0 };
      score.weight += weight;
      score.matched += 1;
      if (isDistinctive) score.distinctive += 1;
      byCall.set(call, score);
    }
  }
  // Only fingerprints too common to list: boilerplate, which names nobody.
  if (byCall.size === 0) return held ? { kind: 'inconclusive', leakFingerprints: distinct.length, ranked: [] } : { kind: 'no-match', leakFingerprints: distinct.length, ranked: [] };
  const ranked = [...byCall].map(([call, s]) => ({ call, coverage: s.weight / total, matched: s.matched, distinctive: s.distinctive }));
  ranked.sort((a, b) => b.coverage - a.coverage || b.distinctive - a.distinctive);
  const top = ranked[0]!;
  const named = top.distinctive >= settings.minDistinctive && top.coverage >= settings.minCoverage;
  return { kind: named ? 'attributed' : 'inconclusive', leakFingerprints: distinct.length, ranked: ranked.slice(0, limit) };
}
