/**
 * The store, counted: every method that fails (throws or rejects) adds to
 * `airlock_store_errors_total{operation}`, and audit appends in flight are the audit queue's depth.
 * The wrapper inherits from the store (Object.create), so whatever it does not wrap (fields such as
 * `kind`, instanceof checks) reads through unchanged, and each method still runs on the store itself.
 */
import type { Store } from '../store/store.js';
import type { MetricSet } from './metric-set.js';

const AUDIT_APPENDS = new Set(['appendAudit', 'appendAuditDeferred', 'appendAuditWritten']);

function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let at: object | null = target; at && at !== Object.prototype; at = Object.getPrototypeOf(at) as object | null) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

export function countedStore<S extends Store>(store: S, metrics: MetricSet): S {
  const counted = Object.create(store) as Record<string, unknown>;
  for (const name of methodNames(store)) {
    const method = (store as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    const failed = metrics.storeErrors.labels({ operation: name });
    const queued = AUDIT_APPENDS.has(name);
    counted[name] = (...args: unknown[]): unknown => {
      let result: unknown;
      try {
        result = method.apply(store, args);
      } catch (error) {
        failed.inc();
        throw error;
      }
      if (!(result instanceof Promise)) return result;
      if (queued) metrics.auditQueueDepth.inc();
      // Observed, not replaced: the caller gets the store's own promise and its own rejection.
      result.then(
        () => {
          if (queued) metrics.auditQueueDepth.dec();
        },
        () => {
          if (queued) metrics.auditQueueDepth.dec();
          failed.inc();
        },
      );
      return result;
    };
  }
  return counted as unknown as S;
}
