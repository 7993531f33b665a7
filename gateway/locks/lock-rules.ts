/**
 * Which lock holds for a device, and what its tester is told: pure, so the auth hook, the session
 * route, the admin operations and their tests judge a lock the same way.
 */
import type { LockNotice } from '../../protocol/errors.js';
import type { LockRecord } from '../store/store.js';

/** A lock holds until removed or, when it has an end, until then. */
export function lockHolds(lock: LockRecord, nowMs: number): boolean {
  return lock.removedAt === null && (lock.expiresAt === null || Date.parse(lock.expiresAt) > nowMs);
}

/** A lock on a device or its tester; a lock with no end before any timed one, then the latest end. */
export function lockFor(locks: Iterable<LockRecord>, who: { deviceId?: string; tester?: string }, nowMs: number): LockRecord | undefined {
  let found: LockRecord | undefined;
  for (const lock of locks) {
    const applies = lock.targetKind === 'device' ? lock.target === who.deviceId : lock.target === who.tester;
    if (!applies || !lockHolds(lock, nowMs)) continue;
    if (!found || endMs(lock) > endMs(found)) found = lock;
  }
  return found;
}

const endMs = (lock: LockRecord) => (lock.expiresAt === null ? Infinity : Date.parse(lock.expiresAt));

export function noticeOf(lock: LockRecord): LockNotice {
  return { message: lock.message, until: lock.expiresAt, ...(lock.wipeHistory ? { wipeHistory: true as const } : {}) };
}

/** The refusal's message, in the tester's words: who, until when, the admin's message. */
export function lockedMessage(notice: LockNotice): string {
  const until = notice.until === null ? 'until an admin lifts it' : `until ${notice.until.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}`;
  const history = notice.wipeHistory ? ' The admin asked for your chat history on this device to be deleted.' : '';
  return `An admin has locked access ${until}${notice.message ? `: ${notice.message}` : ''}.${history} You keep your enrollment: the app works again when the lock ends.`;
}
