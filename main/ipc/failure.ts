import { ERRORS, isAirlockError } from '../../protocol/errors.js';
import type { ApiErrorCode, ApiResult } from './contract.js';

/** Codes an error may carry through: the protocol's table plus the client core's own. */
const KNOWN_CODES = new Set<string>([...Object.keys(ERRORS), 'keychain_unavailable', 'network_error', 'not_enrolled']);

/**
 * Turns anything thrown by the client core into a plain refusal, because an Error crossing IPC
 * keeps only its message. Unknown errors get a generic message: their text may name internals.
 */
export function toFailure(error: unknown): Extract<ApiResult<never>, { ok: false }> {
  if (isAirlockError(error)) return { ok: false, code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && KNOWN_CODES.has(error.code)) {
    return { ok: false, code: error.code as ApiErrorCode, message: error.message };
  }
  return { ok: false, code: 'internal_error', message: 'Something went wrong inside the app. Restart it; if this keeps happening, tell your admin.' };
}

export function ok<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}
