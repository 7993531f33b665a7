/**
 * What a lock tells the app (gateway/locks/lock-rules.ts, protocol/schemas/common.ts): a lock that
 * says so carries `wipeHistory: true`, every other lock carries nothing new, so an app that
 * predates the field still reads them; the refusal's message says the history is to be deleted.
 */
import { describe, expect, it } from 'vitest';
import { errorBody, lockNotice } from '../../../protocol/schemas/common.js';
import { lockedMessage, noticeOf } from '../../../gateway/locks/lock-rules.js';
import type { LockRecord } from '../../../gateway/store/store.js';

const lock: LockRecord = {
  id: 'lck_test00000001',
  targetKind: 'device',
  target: 'dev_x',
  message: 'This laptop was reported lost.',
  note: null,
  wipeHistory: false,
  createdAt: '2026-12-03T12:00:00.000Z',
  createdBy: 'admin:root',
  expiresAt: null,
  removedAt: null,
  removedBy: null,
};

/** The notice as the app before `wipeHistory` parsed it: the same object without the field. */
const previousNotice = lockNotice.omit({ wipeHistory: true });

describe('the lock notice and wiping the history', () => {
  it('leaves the field out for a plain lock, so an app that predates it reads the notice', () => {
    const notice = noticeOf(lock);
    expect(notice).toEqual({ message: 'This laptop was reported lost.', until: null });
    expect(previousNotice.safeParse(notice).success).toBe(true);
    expect(lockedMessage(notice)).not.toMatch(/deleted/);
  });

  it('says wipeHistory: true for a lock that asks for it, in the event and the refusal body', () => {
    const notice = noticeOf({ ...lock, wipeHistory: true });
    expect(notice).toEqual({ message: 'This laptop was reported lost.', until: null, wipeHistory: true });
    expect(lockNotice.parse(notice)).toEqual(notice);
    const message = lockedMessage(notice);
    expect(message).toMatch(/chat history on this device to be deleted/);
    expect(errorBody.parse({ error: { code: 'device_locked', message, lock: notice } }).error.lock?.wipeHistory).toBe(true);
  });

  it('refuses anything but true in the field (false is said by leaving it out)', () => {
    expect(lockNotice.safeParse({ message: null, until: null, wipeHistory: false }).success).toBe(false);
    expect(lockNotice.safeParse({ message: null, until: null, wipeHistory: 'yes' }).success).toBe(false);
  });
});
