import type { LockRecord, Store } from '../store/store.js';
import { lockFor, lockHolds } from './lock-rules.js';

/**
 * The locks in force, in memory, so that the auth hook and the session route judge a device
 * without reading the store. Loaded at start; this gateway's lock and unlock commands update it
 * before the admin is answered. An expired lock needs no event: it simply stops holding.
 */
export interface LockRegistry {
  /** The lock holding for this device or its tester now, if any. */
  holding(who: { deviceId: string; tester: string }, nowMs: number): LockRecord | undefined;
  /** Every lock not removed and not expired. */
  inForce(nowMs: number): LockRecord[];
  remember(lock: LockRecord): void;
  forget(id: string): void;
  /** Reads the store again (at start; on several instances, on a timer): returns locks not seen before. */
  reload(): Promise<LockRecord[]>;
}

export function createLockRegistry(store: Pick<Store, 'listLocks'>): LockRegistry {
  let locks = new Map<string, LockRecord>();
  return {
    holding(who, nowMs) {
      // Most gateways hold no lock at all: the common case costs one size check.
      return locks.size === 0 ? undefined : lockFor(locks.values(), who, nowMs);
    },
    inForce(nowMs) {
      return [...locks.values()].filter((l) => lockHolds(l, nowMs));
    },
    remember(lock) {
      locks.set(lock.id, lock);
    },
    forget(id) {
      locks.delete(id);
    },
    async reload() {
      const fresh = new Map((await store.listLocks()).map((l) => [l.id, l] as const));
      const added = [...fresh.values()].filter((l) => !locks.has(l.id));
      locks = fresh;
      return added;
    },
  };
}
