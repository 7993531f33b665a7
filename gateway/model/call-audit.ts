/**
 * What one model call leaves in the audit log: who, which device, which model, token counts,
 * duration and how it ended. Content (prompt and answer) only when the policy says so.
 */
import type { ErrorCode } from '../../protocol/errors.js';

export type CallOutcome = 'ok' | 'cut' | 'cancelled' | 'error';

export interface ModelCallAudit {
  type: 'model.call';
  /** Pairs the entry with its `model.call.start` (absent for a call refused before it started). */
  callId?: string;
  tester: string;
  deviceId: string;
  model: string;
  upstream: string;
  stream: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Whether the counts are the upstream's own usage figures or the gateway's estimate. */
  usageReported: boolean;
  durationMs: number;
  outcome: CallOutcome;
  /** For `cut` and `error`: the code the client was given. */
  code?: ErrorCode;
  /** For `cut`: the admin's reason. */
  reason?: string;
  content?: { messages: unknown; completion: string | null };
}

export type ModelAuditSink = (entry: ModelCallAudit) => void | Promise<void>;

/**
 * Written when a call is admitted, before any of its answer reaches the tester: a call that a
 * crash cut off still has its record, and the next start marks it `model.call.interrupted`
 * (model/call-recovery.ts). Why "written" and not yet "fsync'd" is enough: model/chat-call.ts.
 */
export interface ModelCallStart {
  type: 'model.call.start';
  callId: string;
  tester: string;
  deviceId: string;
  model: string;
  upstream: string;
  stream: boolean;
}

/** Resolves once the start record is written (it survives the gateway process dying); `durable` once fsync'd. */
export type ModelStartSink = (entry: ModelCallStart) => Promise<{ durable: Promise<void> }>;
