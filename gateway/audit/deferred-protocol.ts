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

export type DeferredRequest = WorkerAppend | { kind: 'close' };

export type DeferredReply =
  | { kind: 'done'; results: Array<{ id: number; entry: AuditEntry }> }
  | { kind: 'failed'; ids: number[]; message: string };
