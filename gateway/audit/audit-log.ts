import type { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../log.js';
import type { AuditInput, Store, WrittenEntry } from '../store/store.js';

/**
 * Appends entries that are not part of a state change (refusals, sessions, model calls). State
 * changes append their own entry inside the store's transaction instead.
 */
export interface AuditLog {
  /** Appends an entry; resolves once it is committed. */
  append(entry: AuditInput): Promise<void>;
  /**
   * The same, for entries written after the answer has gone out (model calls): committed off the
   * event loop (Store.appendAuditDeferred), equally durable once it resolves.
   */
  appendDeferred(entry: AuditInput): Promise<void>;
  /**
   * A model call's start record: resolves once written (survives the gateway process dying),
   * `durable` once fsync'd (Store.appendAuditWritten).
   */
  appendWritten(entry: AuditInput): Promise<WrittenEntry>;
  /** A refused request, with its error code; failures to write are logged, never thrown. */
  refusal(code: ErrorCode, actor: string, subject: string, details?: Record<string, unknown>): Promise<void>;
}

export function createAuditLog(store: Store, log: Logger): AuditLog {
  return {
    append: async (entry) => {
      await store.appendAudit(entry);
    },
    appendDeferred: async (entry) => {
      await store.appendAuditDeferred(entry);
    },
    appendWritten: (entry) => store.appendAuditWritten(entry),
    async refusal(code, actor, subject, details) {
      try {
        await store.appendAudit({ type: 'refusal', actor, subject, details: { code, ...details } });
      } catch (error) {
        log.error('could not append a refusal to the audit log', { code, error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}
