/** Messages between deferred-writer.ts (main thread) and deferred-worker.ts. */
import type { AuditEntry } from '../store/store.js';

/** An entry ready to chain: details already canonical JSON, time already taken by the caller. */
export interface WorkerAppend {
  kind: 'append';
  id: number;
  time: string;
  type: string;
  actor: string;
  subject: string;
  details: string;
}

/** Tokens a tester used on a UTC day, added to the store's count (the token budget's ledger). */
export interface WorkerUsage {
  kind: 'usage';
  id: number;
  tester: string;
  day: string;
  tokens: number;
}

export type DeferredRequest = WorkerAppend | WorkerUsage | { kind: 'close' };

export type DeferredReply =
  /** `entry` for appends; usage writes have none. */
  | { kind: 'done'; results: Array<{ id: number; entry?: AuditEntry }> }
  | { kind: 'failed'; ids: number[]; message: string };
