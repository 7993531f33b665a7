/**
 * The one table of Airlock error codes (PROTOCOL.md, "Errors"). The status and a default message
 * that says what to do are decided here, where the code is defined, not in handlers; the gateway
 * puts the code on the wire and the app maps it back to a message for the tester.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request is malformed. Update the app or check the command.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  not_found: { status: 404, message: 'No such resource.' },
  invite_invalid: { status: 401, message: 'This invite link is not valid. Ask your admin for a new one.' },
  invite_expired: { status: 401, message: 'This invite link has expired. Ask your admin for a new one.' },
  invite_used: { status: 409, message: 'This invite link has already been used. Ask your admin for a new one.' },
  invite_revoked: { status: 403, message: 'This invite link was revoked by an admin.' },
  device_limit: { status: 409, message: 'This invite has reached its device limit. Ask your admin to raise it or revoke an old device.' },
  attestation_invalid: { status: 401, message: 'The device attestation could not be verified. Restart the app and try again.' },
  policy_violation: { status: 403, message: 'This device does not meet the gateway policy.' },
  key_moved: { status: 403, message: 'The device key is being used on a different machine than it was enrolled on. Enroll this machine with a new invite.' },
  device_unknown: { status: 401, message: 'This device is not enrolled with the gateway. Enroll with an invite link.' },
  device_revoked: { status: 403, message: 'This device was revoked by an admin.' },
  tester_suspended: { status: 403, message: 'Your access was suspended by an admin.' },
  // docs/PROTOCOL-CHANGES.md (issue 13): a lock refuses for a while; the device keeps its key and
  // works again when the lock ends (the body's `lock` says until when).
  device_locked: { status: 403, message: 'An admin has locked access for now. You keep your enrollment: the app works again when the lock ends.' },
  dpop_invalid: { status: 401, message: 'The proof of possession is invalid. Check the device clock and retry.' },
  dpop_replay: { status: 401, message: 'The proof of possession was already used. Retry with a fresh proof.' },
  use_dpop_nonce: { status: 401, message: 'Retry with the nonce in the DPoP-Nonce header.' },
  token_invalid: { status: 401, message: 'The access token is invalid. Start a new session.' },
  token_expired: { status: 401, message: 'The access token has expired. Start a new session.' },
  rate_limited: { status: 429, message: 'Too many requests. Wait for the time in Retry-After and try again.' },
  upstream_error: { status: 502, message: 'The model server failed. Try again later.' },
  upstream_timeout: { status: 504, message: 'The model server did not answer in time. Try again later.' },
  // Extensions of PROTOCOL.md's table (docs/PROTOCOL-CHANGES.md): a failure that is not a refusal.
  internal_error: { status: 500, message: 'The gateway failed. Try again later; if it persists, tell your admin.' },
  unavailable: { status: 503, message: 'The gateway is reconnecting to its store. Try again in a moment.' },
  // TPM-bound device keys (PROTOCOL.md, "TPM-bound device keys"; issue 18).
  tpm_ek_untrusted: { status: 403, message: 'This computer\'s TPM is not from a maker this gateway trusts. Tell your admin; the app can enroll with the keychain if the policy allows it.' },
  tpm_activation_invalid: { status: 401, message: 'The TPM proof does not match this enrollment (unknown, expired, already used, or a wrong secret). Start the enrollment again.' },
  tpm_certify_invalid: { status: 401, message: 'The TPM did not prove that the device key is held in it. Start the enrollment again; if it happens again, tell your admin.' },
  tpm_required: { status: 403, message: 'This gateway requires a device key held in a TPM 2.0 chip. Make sure the TPM is on and you may use /dev/tpmrm0 (join the tss group), then enroll again with a new invite.' },
  // Client-side only: never sent by a gateway, raised by the app's pinned transport.
  connection_not_trusted: { status: 0, message: 'Connection not trusted: the gateway did not present the pinned certificate. Do not continue; tell your admin.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

/** What a tester is told about a lock: the admin's message (if any) and its end (ISO time; null: until an admin lifts it). */
export interface LockNotice {
  message: string | null;
  until: string | null;
  /** Present (and true) only when the admin asked the app to delete its chat history. */
  wipeHistory?: true;
}

/** An error with a stable code; callers branch on `code`, never on the message text. */
export class AirlockError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds to wait, for `rate_limited` and `unavailable`. */
  readonly retryAfter: number | undefined;
  /** For `device_locked`: the admin's message to the tester and when the lock ends (null: until lifted). */
  readonly lock: LockNotice | undefined;

  constructor(code: ErrorCode, message?: string, options?: { retryAfter?: number; cause?: unknown; lock?: LockNotice }) {
    super(message ?? ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirlockError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryAfter = options?.retryAfter;
    this.lock = options?.lock;
  }
}

export function isAirlockError(value: unknown, code?: ErrorCode): value is AirlockError {
  return value instanceof AirlockError && (code === undefined || value.code === code);
}
