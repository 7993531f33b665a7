import type { EnrollRefusal, InviteRecord, InviteStatus } from '../store/store.js';

/**
 * Whether an invite can still enroll a device, judged the same way at challenge time and again
 * inside the enrollment transaction. An invite admits `deviceLimit` enrollments: a one-device
 * invite redeemed again is `invite_used`; a several-device invite that is full is `device_limit`.
 */
export function inviteRefusal(invite: InviteRecord | null, nowMs: number): { code: EnrollRefusal; message: string } | null {
  if (invite === null) return { code: 'invite_invalid', message: 'This invite link is not valid. Ask your admin for a new one.' };
  if (invite.status === 'revoked') return { code: 'invite_revoked', message: 'This invite link was revoked by an admin. Ask your admin for a new one.' };
  if (Date.parse(invite.expiresAt) <= nowMs) return { code: 'invite_expired', message: `This invite link expired at ${invite.expiresAt}. Ask your admin for a new one.` };
  if (invite.devicesUsed >= invite.deviceLimit) {
    return invite.deviceLimit === 1
      ? { code: 'invite_used', message: 'This invite link has already been used. Ask your admin for a new one.' }
      : { code: 'device_limit', message: `This invite has enrolled its ${invite.deviceLimit} devices. Ask your admin for a new invite or to revoke an old device.` };
  }
  return null;
}

/** The status an admin sees: expiry is a matter of time, not a stored change. */
export function inviteStatusAt(invite: InviteRecord, nowMs: number): InviteStatus {
  if (invite.status === 'pending' && Date.parse(invite.expiresAt) <= nowMs) return 'expired';
  return invite.status;
}
