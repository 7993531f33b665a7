import type { ConnectionHub } from '../live/connection-hub.js';
import type { LockRegistry } from './lock-registry.js';
import { lockHolds, noticeOf } from './lock-rules.js';

/**
 * Several instances on one PostgreSQL store: a lock made through another instance reaches this
 * one at the next read of the store (every `everyMs`), which then holds it for sessions and calls
 * and cuts the device's live connections here too; a removed lock stops holding at the same read.
 * (A lock made through this instance holds here at once.)
 */
export function pollLocks(deps: { locks: LockRegistry; hub: ConnectionHub; nowMs: () => number; everyMs: number; onError: (error: unknown) => void }): { stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const lock of await deps.locks.reload()) {
        if (!lockHolds(lock, deps.nowMs())) continue;
        deps.hub.cutLocked(lock.targetKind === 'tester' ? { tester: lock.target } : { deviceId: lock.target }, noticeOf(lock));
      }
    } catch (error) {
      deps.onError(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), deps.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
