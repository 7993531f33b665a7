/**
 * Fingerprints answers after their calls, off the request path: the call hands over the text the
 * relay saw once its response has finished, and the work (normalising, HMACs, the store write)
 * runs later, one answer per turn of the event loop, so no stream waits for it. The text is
 * dropped as soon as it is fingerprinted; only the fingerprints and who the answer went to are
 * stored. Expired traces (policy `traceRetentionDays`) are deleted at start and hourly.
 */
import { wordsOf } from './normalise.js';
import { DEFAULT_WINNOW, fingerprintWords, type WinnowSettings } from './fingerprint.js';
import type { AnswerTrace, TracedCall } from './trace-records.js';

/** The part of the store tracing writes to. */
export interface TraceSink {
  addTrace(trace: AnswerTrace): Promise<void>;
  deleteTracesBefore(cutoff: string): Promise<number>;
}

export interface AnswerTracer {
  /** Queues an answer; returns at once. */
  trace(call: Omit<TracedCall, 'createdAt'>, text: string): void;
  /** Deletes traces older than the retention; returns how many calls went. */
  expire(): Promise<number>;
  /** Resolves when every queued answer is stored (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Answers waiting beyond this are not traced (and logged): memory stays bounded under a flood. */
const MAX_QUEUED = 1_000;
const EXPIRE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export function createAnswerTracer(options: {
  sink: TraceSink;
  key: Buffer;
  retentionDays: () => number;
  nowMs: () => number;
  warn: (message: string, details: Record<string, unknown>) => void;
  settings?: WinnowSettings;
}): AnswerTracer {
  const settings = options.settings ?? DEFAULT_WINNOW;
  const queue: { call: Omit<TracedCall, 'createdAt'>; text: string; at: number }[] = [];
  let running: Promise<void> | null = null;
  let closed = false;

  async function drain(): Promise<void> {
    for (let next = queue.shift(); next; next = queue.shift()) {
      // Yield first: the answer's own response and other calls' chunks go before this work.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const fingerprints = fingerprintWords(wordsOf(next.text), options.key, settings);
      if (fingerprints.length === 0) continue;
      await options.sink.addTrace({ ...next.call, createdAt: new Date(next.at).toISOString(), fingerprints }).catch((error: unknown) => {
        options.warn('answer not fingerprinted for leak tracing', { callId: next.call.callId, error: error instanceof Error ? error.message : String(error) });
      });
    }
  }

  async function expire(): Promise<number> {
    const cutoff = new Date(options.nowMs() - options.retentionDays() * DAY_MS).toISOString();
    return options.sink.deleteTracesBefore(cutoff);
  }
  const expireQuietly = (): void => {
    expire().catch((error: unknown) => options.warn('expired leak-tracing fingerprints not deleted; retried in an hour', { error: error instanceof Error ? error.message : String(error) }));
  };
  expireQuietly();
  const timer = setInterval(expireQuietly, EXPIRE_EVERY_MS);
  timer.unref();

  return {
    trace(call, text) {
      if (closed) return;
      if (queue.length >= MAX_QUEUED) {
        options.warn('leak-tracing queue full; answer not fingerprinted', { callId: call.callId });
        return;
      }
      queue.push({ call, text, at: options.nowMs() });
      running ??= drain().finally(() => (running = null));
    },
    expire,
    async idle() {
      while (running) await running;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      while (running) await running;
    },
  };
}
