/**
 * Fingerprints answers after their calls, off the gateway's event loop: the call hands over the
 * text the relay saw once its response has finished, and a worker thread (trace-worker.ts) does
 * the rest: normalising, the keyed hashes, and the store write, batched and committed through its
 * own connection. The text is dropped as soon as it is fingerprinted; only the fingerprints and who
 * the answer went to are stored. Expired traces (policy `traceRetentionDays`) are deleted at start
 * and hourly, by the worker too.
 *
 * Group commit in time: answers are gathered here and handed over together, BATCH_ANSWERS of them
 * or whatever came in BATCH_WAIT_MS after the first, in one message; the worker fingerprints them
 * and commits them in one transaction. A commit (its fsync, and the pages it rewrites) and a
 * message cost about the same for one answer as for sixty, so gathering them is most of what
 * tracing saves per call (bench/parts/25-speed.ts, the tracing-off row beside).
 *
 * What a crash can lose: the answers handed over and not yet committed, that is those whose calls
 * ended in the moments before a kill -9 or power loss: the last BATCH_WAIT_MS (at most
 * BATCH_ANSWERS answers) gathered here, plus the batch being fingerprinted and committed
 * (milliseconds on a quiet gateway; under a flood, at most MAX_PENDING answers in all). Their
 * calls are in the audit log; only their fingerprints are missing. A committed batch is on disk
 * (SQLite synchronous=FULL, or PostgreSQL's commit).
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from './worker-entry.js';
import { DEFAULT_WINNOW, type WinnowSettings } from './fingerprint.js';
import type { TracedCall } from './trace-records.js';
import type { TracedAnswer, TraceReply, TraceRequest, TraceWorkerData, TraceWorkerSink } from './trace-worker-protocol.js';

export type { TraceWorkerSink } from './trace-worker-protocol.js';

export interface AnswerTracer {
  /** Hands an answer to the worker; returns at once. */
  trace(call: Omit<TracedCall, 'createdAt'>, text: string): void;
  /** Deletes traces older than the retention; returns how many calls went. */
  expire(): Promise<number>;
  /** Resolves when every answer handed over is committed (or reported lost). */
  idle(): Promise<void>;
  /** Waits for the answers handed over, then stops the worker. */
  close(): Promise<void>;
}

/** Answers handed over and not yet committed beyond this are not traced (and logged): memory stays bounded under a flood. */
export const MAX_PENDING = 1_000;
/** Answers gathered into one hand-off (and so one commit) at most. */
export const BATCH_ANSWERS = 64;
/** How long the first answer of a hand-off waits for others: what a crash can lose beyond the batch in the worker. */
export const BATCH_WAIT_MS = 50;
const EXPIRE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export function createAnswerTracer(options: {
  sink: TraceWorkerSink;
  key: Buffer;
  retentionDays: () => number;
  nowMs: () => number;
  warn: (message: string, details: Record<string, unknown>) => void;
  settings?: WinnowSettings;
  /** Group commit: answers per hand-off and the first one's wait (BATCH_ANSWERS, BATCH_WAIT_MS); the bench's baseline is 1 answer. */
  batch?: { answers: number; waitMs: number };
}): AnswerTracer {
  const batch = options.batch ?? { answers: BATCH_ANSWERS, waitMs: BATCH_WAIT_MS };
  const workerData: TraceWorkerData = { key: new Uint8Array(options.key), settings: options.settings ?? DEFAULT_WINNOW, sink: options.sink };
  let worker: Worker | null = null;
  let pending = 0;
  let closed = false;
  let nextExpiry = 1;
  const expiries = new Map<number, { resolve(deleted: number): void; reject(error: Error): void }>();
  const idleWaiters: Array<() => void> = [];
  let gathered: TracedAnswer[] = [];
  let handOffTimer: NodeJS.Timeout | null = null;

  function settled(): void {
    if (pending > 0 || expiries.size > 0) return;
    worker?.unref();
    for (const wake of idleWaiters.splice(0)) wake();
  }

  function lost(reason: string): void {
    // Answers still gathered here were never handed over: they go to the next worker.
    const handedOver = pending - gathered.length;
    if (handedOver > 0) options.warn('answers not fingerprinted for leak tracing: the tracing worker stopped', { answers: handedOver, reason });
    pending = gathered.length;
    for (const [id, waiter] of expiries) {
      expiries.delete(id);
      waiter.reject(new Error(`the tracing worker stopped: ${reason}`));
    }
    settled();
  }

  function start(): Worker {
    const spec = workerEntry('trace-worker', import.meta.url);
    const started = new Worker(spec.entry, { workerData, eval: spec.eval });
    started.on('message', (reply: TraceReply) => {
      if (reply.kind === 'stored') {
        pending -= reply.answers;
        if (reply.error) options.warn('answers not fingerprinted for leak tracing', { callIds: reply.error.callIds, error: reply.error.message });
      } else {
        const waiter = expiries.get(reply.id);
        expiries.delete(reply.id);
        if (reply.kind === 'expired') waiter?.resolve(reply.deleted);
        else waiter?.reject(new Error(reply.message));
      }
      settled();
    });
    started.on('error', (error) => {
      if (worker === started) worker = null;
      lost(error.message);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      lost(`exit code ${code}`);
    });
    started.unref();
    return started;
  }

  function post(message: TraceRequest): void {
    worker ??= start();
    worker.ref();
    worker.postMessage(message);
  }

  function expire(): Promise<number> {
    if (closed) return Promise.resolve(0);
    const cutoff = new Date(options.nowMs() - options.retentionDays() * DAY_MS).toISOString();
    const id = nextExpiry++;
    return new Promise<number>((resolve, reject) => {
      expiries.set(id, { resolve, reject });
      post({ kind: 'expire', id, cutoff });
    });
  }
  const expireQuietly = (): void => {
    expire().catch((error: unknown) => options.warn('expired leak-tracing fingerprints not deleted; retried in an hour', { error: error instanceof Error ? error.message : String(error) }));
  };
  expireQuietly();
  const timer = setInterval(expireQuietly, EXPIRE_EVERY_MS);
  timer.unref();

  /** The gathered answers to the worker, in one message (copied: strings cannot be transferred). */
  function handOff(): void {
    if (handOffTimer) clearTimeout(handOffTimer);
    handOffTimer = null;
    if (gathered.length === 0) return;
    const answers = gathered;
    gathered = [];
    post({ kind: 'answers', answers });
  }

  const idle = (): Promise<void> => {
    handOff();
    return pending === 0 && expiries.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
  };

  return {
    trace(call, text) {
      if (closed) return;
      if (pending >= MAX_PENDING) {
        options.warn('leak-tracing queue full; answer not fingerprinted', { callId: call.callId });
        return;
      }
      pending += 1;
      gathered.push({ call: { ...call, createdAt: new Date(options.nowMs()).toISOString() }, text });
      if (gathered.length >= batch.answers) handOff();
      else handOffTimer ??= setTimeout(handOff, batch.waitMs);
    },
    expire,
    idle,
    async close() {
      closed = true;
      clearInterval(timer);
      await idle();
      const running = worker;
      worker = null;
      if (!running) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.postMessage({ kind: 'close' } satisfies TraceRequest);
      await exited;
    },
  };
}
