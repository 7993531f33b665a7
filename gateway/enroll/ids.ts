import { createHash, randomBytes } from 'node:crypto';

/** The stored form of an invite code: b64u SHA-256 of its text. The code itself is never kept. */
export function hashInviteCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('base64url');
}

export function newInviteCode(): string {
  return randomBytes(32).toString('base64url');
}

export function newInviteId(): string {
  return `inv_${randomBytes(12).toString('base64url')}`;
}

export function newDeviceId(): string {
  return `dev_${randomBytes(16).toString('base64url')}`;
}

/** A single-use nonce or token id: 32 random bytes, b64u. */
export function newNonce(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
