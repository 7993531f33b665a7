/** Messages between answer-tracer.ts (main thread) and trace-worker.ts. */
import type pg from 'pg';
import type { WinnowSettings } from './fingerprint.js';
import type { TracedCall } from './trace-records.js';

/** Where the worker writes: its own connection to the gateway's store. */
export type TraceWorkerSink =
  /** `path`: the trace file (DATA/trace.db, tracing/trace-database.ts), not the store's airlock.db. */
  | { kind: 'sqlite'; path: string }
  /** The PostgreSQL store's pool settings (`PostgresStore.connection`); the worker opens a pool of one. */
  | { kind: 'postgres'; connection: pg.PoolConfig };

export interface TraceWorkerData {
  key: Uint8Array;
  settings: WinnowSettings;
  sink: TraceWorkerSink;
}

/** One answer to fingerprint and store; `text` is dropped once fingerprinted. */
export interface TracedAnswer {
  call: TracedCall;
  text: string;
}

export type TraceRequest =
  /** Answers gathered by answer-tracer.ts, committed together. */
  | { kind: 'answers'; answers: TracedAnswer[] }
  | { kind: 'expire'; id: number; cutoff: string }
  | { kind: 'close' };

export type TraceReply =
  /** `answers` answers are done with: committed (`traced` had fingerprints) or, with `error`, lost. */
  | { kind: 'stored'; answers: number; traced: number; error?: { message: string; callIds: string[] } }
  | { kind: 'expired'; id: number; deleted: number }
  | { kind: 'expire-failed'; id: number; message: string };
