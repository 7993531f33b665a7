import { describe, expect, it } from 'vitest';
import { AirlockError, ERROR_CODES, ERRORS, isAirlockError, statusOf } from '../../../protocol/errors.js';
import { errorBody } from '../../../protocol/schemas/common.js';

/** PROTOCOL.md, "Errors", copied by hand, plus docs/PROTOCOL-CHANGES.md: the table in code must say exactly this. */
const PROTOCOL_ERRORS: Record<string, number> = {
  bad_request: 400,
  payload_too_large: 413,
  not_found: 404,
  invite_invalid: 401,
  invite_expired: 401,
  invite_used: 409,
  invite_revoked: 403,
  device_limit: 409,
  attestation_invalid: 401,
  policy_violation: 403,
  key_moved: 403,
  device_unknown: 401,
  device_revoked: 403,
  tester_suspended: 403,
  dpop_invalid: 401,
  dpop_replay: 401,
  use_dpop_nonce: 401,
  token_invalid: 401,
  token_expired: 401,
  rate_limited: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  // Extensions of the table, listed in docs/PROTOCOL-CHANGES.md.
  internal_error: 500,
  unavailable: 503,
  device_locked: 403,
  // PROTOCOL.md, "TPM-bound device keys" (issue 18).
  tpm_ek_untrusted: 403,
  tpm_activation_invalid: 401,
  tpm_certify_invalid: 401,
  tpm_required: 403,
};

describe('error table (PROTOCOL.md "Errors")', () => {
  it.each(Object.entries(PROTOCOL_ERRORS))('%s answers %i', (code, status) => {
    expect(ERROR_CODES).toContain(code);
    expect(statusOf(code as keyof typeof ERRORS)).toBe(status);
    expect(new AirlockError(code as keyof typeof ERRORS).status).toBe(status);
  });

  it('has no wire code PROTOCOL.md does not list; the one client-only code has no HTTP status', () => {
    const extra = ERROR_CODES.filter((code) => !(code in PROTOCOL_ERRORS));
    expect(extra).toEqual(['connection_not_trusted']);
    expect(ERRORS.connection_not_trusted.status).toBe(0);
  });

  it('gives every code a message that says what to do', () => {
    for (const code of ERROR_CODES) {
      expect(ERRORS[code].message.length, code).toBeGreaterThan(10);
      expect(ERRORS[code].message, code).toMatch(/\.$/);
    }
  });

  it('carries code, status, retryAfter and cause; callers branch on code', () => {
    const cause = new Error('inner');
    const error = new AirlockError('rate_limited', undefined, { retryAfter: 7, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AirlockError');
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(7);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(ERRORS.rate_limited.message);
    expect(new AirlockError('key_moved', 'custom').message).toBe('custom');
    expect(isAirlockError(error)).toBe(true);
    expect(isAirlockError(error, 'rate_limited')).toBe(true);
    expect(isAirlockError(error, 'bad_request')).toBe(false);
    expect(isAirlockError(new Error('x'))).toBe(false);
    expect(isAirlockError({ code: 'rate_limited' })).toBe(false);
  });

  it('shapes the error body {"error": {"code", "message"}} and nothing else', () => {
    expect(errorBody.safeParse({ error: { code: 'dpop_replay', message: 'x' } }).success).toBe(true);
    expect(errorBody.safeParse({ error: { code: 'no_such_code', message: 'x' } }).success).toBe(false);
    expect(errorBody.safeParse({ error: { code: 'dpop_replay', message: 'x', stack: 'at ...' } }).success).toBe(false);
    expect(errorBody.safeParse({ error: { code: 'dpop_replay', message: 'x' }, detail: 1 }).success).toBe(false);
    expect(errorBody.safeParse({ error: { code: 'dpop_replay' } }).success).toBe(false);
  });
});
