/**
 * Model calls and their upstream, read from the `model.call` audit entry every call ends with
 * (model/chat-call.ts): it names the upstream, the outcome, the error code and the duration, and it
 * is written after the answer has gone out, so counting it costs the call nothing.
 */
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditInput } from '../store/store.js';
import type { MetricSet } from './metric-set.js';

const OUTCOMES = new Set(['ok', 'cut', 'cancelled', 'error']);

interface ModelCall {
  upstream: string;
  outcome: string;
  code: ErrorCode | null;
  seconds: number;
}

/** The fields of a `model.call` entry the metrics use, or null for any other entry. */
export function modelCallOf(entry: AuditInput): ModelCall | null {
  if (entry.type !== 'model.call' || !entry.details) return null;
  const { upstream, outcome, code, durationMs } = entry.details;
  if (typeof upstream !== 'string' || typeof outcome !== 'string' || !OUTCOMES.has(outcome) || typeof durationMs !== 'number') return null;
  return { upstream, outcome, code: typeof code === 'string' && Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : null, seconds: durationMs / 1000 };
}

/** Whether the upstream was called: no code (ok, cancelled) or an upstream failure; not a call refused at admission. */
function reachedUpstream(call: ModelCall): boolean {
  return call.outcome !== 'error' || (call.code?.startsWith('upstream_') ?? false);
}

export function countedAudit(audit: AuditLog, metrics: MetricSet): AuditLog {
  const observe = (entry: AuditInput): void => {
    const call = modelCallOf(entry);
    if (!call) return;
    metrics.modelCalls.inc({ upstream: call.upstream, outcome: call.outcome });
    if (reachedUpstream(call)) metrics.upstreamSeconds.observe({ upstream: call.upstream, outcome: call.outcome }, call.seconds);
    if (call.code?.startsWith('upstream_')) metrics.upstreamErrors.inc({ upstream: call.upstream, code: call.code });
  };
  return {
    ...audit,
    append: (entry) => {
      observe(entry);
      return audit.append(entry);
    },
    appendDeferred: (entry) => {
      observe(entry);
      return audit.appendDeferred(entry);
    },
  };
}
