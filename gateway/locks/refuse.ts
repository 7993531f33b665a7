import { AirlockError } from '../../protocol/errors.js';
import type { LockRegistry } from './lock-registry.js';
import { lockedMessage, noticeOf } from './lock-rules.js';

/** Throws `device_locked` with the lock's notice while a lock holds for the device or its tester. */
export function refuseIfLocked(locks: LockRegistry, who: { deviceId: string; tester: string }, nowMs: number): void {
  const lock = locks.holding(who, nowMs);
  if (!lock) return;
  const notice = noticeOf(lock);
  throw new AirlockError('device_locked', lockedMessage(notice), { lock: notice });
}
