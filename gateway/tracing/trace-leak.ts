/**
 * `airlock-gateway trace`: a suspected leak fingerprinted the same way answers are, matched against
 * the stored fingerprints, and the calls it matches ranked (score.ts). The text itself is not kept;
 * the audit entry of the trace holds its SHA-256.
 */
import { createHash } from 'node:crypto';
import { wordsOf } from './normalise.js';
import { DEFAULT_WINNOW, FINGERPRINT_SCHEMES, fingerprintWords, guaranteedRun, type WinnowSettings } from './fingerprint.js';
import { DEFAULT_TRACE, scoreLeak, type TraceSettings, type TraceVerdict } from './score.js';
import type { HolderCount, TracedCall, TraceHolding } from './trace-records.js';

export interface TracedMatch {
  callId: string;
  tester: string;
  deviceId: string;
  model: string;
  time: string;
  /** Weighted share of the leak's fingerprints this answer holds, 0..1. */
  coverage: number;
  matched: number;
  /** Matched fingerprints few answers hold (boilerplate excluded). */
  distinctive: number;
}

export interface TraceReport {
  verdict: 'attributed' | 'inconclusive' | 'no-match';
  /** SHA-256 (hex) of the traced text as given: what the audit entry records instead of the text. */
  textSha256: string;
  words: number;
  fingerprints: number;
  /** The shortest run of words shared with an answer that is always found. */
  guaranteedRun: number;
  calls: TracedMatch[];
}

/**
 * A fingerprint held by more calls than this is counted, not listed: boilerplate held by tens of
 * thousands of answers in a big store would cost seconds to list, and it weighs 1/holders, so
 * leaving it out of each call's coverage changes that coverage by less than 1/MAX_LISTED_HOLDERS
 * per such fingerprint. Far above the boilerplate bar (DEFAULT_TRACE.boilerplateAnswers).
 */
export const MAX_LISTED_HOLDERS = 100;

/** The part of the store a trace reads. */
export interface TraceSource {
  traceHolderCounts(fingerprints: readonly number[]): Promise<HolderCount[]>;
  traceHolders(fingerprints: readonly number[]): Promise<TraceHolding[]>;
}

export async function traceLeak(
  deps: { store: TraceSource; key: Buffer },
  text: string,
  settings: { winnow?: WinnowSettings; trace?: TraceSettings } = {},
): Promise<TraceReport> {
  const winnow = settings.winnow ?? DEFAULT_WINNOW;
  const words = wordsOf(text);
  // The leak under every scheme a stored answer may have been fingerprinted with (fingerprint.ts):
  // the schemes' values never meet, so one query serves both and each is scored on its own.
  const leaks = FINGERPRINT_SCHEMES.map((scheme) => fingerprintWords(words, deps.key, winnow, scheme));
  const everyFingerprint = leaks.flat();
  const counts = new Map((everyFingerprint.length === 0 ? [] : await deps.store.traceHolderCounts(everyFingerprint)).map((c) => [c.fingerprint, c.holders]));
  const listed = [...counts].filter(([, n]) => n <= MAX_LISTED_HOLDERS).map(([f]) => f);
  const holdings = listed.length === 0 ? [] : await deps.store.traceHolders(listed);
  const calls = new Map<string, TracedCall>();
  const byFingerprint = new Map<number, TracedCall[]>();
  for (const h of holdings) {
    const call = calls.get(h.callId) ?? { callId: h.callId, tester: h.tester, deviceId: h.deviceId, model: h.model, createdAt: h.createdAt };
    calls.set(h.callId, call);
    // Pushed, not copied: boilerplate fingerprints have tens of thousands of holders in a big store.
    const holders = byFingerprint.get(h.fingerprint);
    if (holders) holders.push(call);
    else byFingerprint.set(h.fingerprint, [call]);
  }
  const verdict = strongest(leaks.map((leak) => scoreLeak(leak, (f) => byFingerprint.get(f) ?? [], settings.trace ?? DEFAULT_TRACE, 10, (f) => counts.get(f) ?? 0)));
  return {
    verdict: verdict.kind,
    textSha256: createHash('sha256').update(text).digest('hex'),
    words: words.length,
    fingerprints: verdict.leakFingerprints,
    guaranteedRun: guaranteedRun(winnow),
    calls: verdict.ranked.map((m) => ({
      callId: m.call.callId,
      tester: m.call.tester,
      deviceId: m.call.deviceId,
      model: m.call.model,
      time: m.call.createdAt,
      coverage: Math.round(m.coverage * 1000) / 1000,
      matched: m.matched,
      distinctive: m.distinctive,
    })),
  };
}

const STRENGTH = { attributed: 2, inconclusive: 1, 'no-match': 0 } as const;

/**
 * One verdict from the schemes' own: the strongest (a name over an inconclusive match over none,
 * then the higher top coverage), its ranking first and the others' after it. An answer was
 * fingerprinted under one scheme only, so no call is counted twice. `leakFingerprints` is the
 * current scheme's (the first).
 */
function strongest<Call>(verdicts: readonly TraceVerdict<Call>[]): TraceVerdict<Call> {
  const order = [...verdicts].sort((a, b) => STRENGTH[b.kind] - STRENGTH[a.kind] || (b.ranked[0]?.coverage ?? 0) - (a.ranked[0]?.coverage ?? 0));
  const best = order[0]!;
  const ranked = order.flatMap((v) => v.ranked).slice(0, 10);
  if (best.kind === 'no-match') return { kind: 'no-match', leakFingerprints: verdicts[0]!.leakFingerprints, ranked: [] };
  return { kind: best.kind, leakFingerprints: verdicts[0]!.leakFingerprints, ranked };
}
