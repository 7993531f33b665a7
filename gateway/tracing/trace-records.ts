/** What the store keeps of a traced answer: who it went to and its fingerprints, never its text. */
export interface TracedCall {
  callId: string;
  tester: string;
  deviceId: string;
  model: string;
  /** ISO time the answer was fingerprinted. */
  createdAt: string;
}

export interface AnswerTrace extends TracedCall {
  /** Distinct winnowed fingerprints (fingerprint.ts), 48-bit non-negative integers. */
  fingerprints: readonly number[];
}

/** How many calls hold a fingerprint. */
export interface HolderCount {
  fingerprint: number;
  holders: number;
}

/** One (fingerprint, call) pair the store holds. */
export interface TraceHolding extends TracedCall {
  fingerprint: number;
}
