import { ERRORS, isAirlockError } from '../../protocol/errors.js';
import { describeError } from '../core/errors.js';
import type { ApiErrorCode, ApiResult } from './contract.js';

/** Codes an error may carry through: the protocol's table plus the client core's own. */
const KNOWN_CODES = new Set<string>([...Object.keys(ERRORS), 'keychain_unavailable', 'network_error', 'wrong_gateway', 'tpm_unavailable', 'not_enrolled', 'not_confirmed']);

/**
 * Turns anything thrown by the client core into a plain refusal, because an Error crossing IPC
 * keeps only its message. Unknown errors get a generic message: their text may name internals.
 */
export function toFailure(error: unknown): Extract<ApiResult<never>, { ok: false }> {
  if (isAirlockError(error)) return { ok: false, code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && KNOWN_CODES.has(error.code)) {
    return { ok: false, code: error.code as ApiErrorCode, message: error.message };
  }
  // A socket that failed under the client core (the gateway restarting, the network gone) is not
  // the app's fault: say what the tester can act on, and let the screen offer Retry.
  if (isNetworkFailure(error)) return { ok: false, ...describeError(error), code: 'network_error' };
  return { ok: false, code: 'internal_error', message: 'Something went wrong inside the app. Restart it; if this keeps happening, tell your admin.' };
}

export function ok<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}

const SOCKET_CODES = /^(E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE|AI_AGAIN|NOTFOUND)|UND_ERR_[A-Z_]+)$/;

/** undici and Node socket errors, also when wrapped as the `cause` of a fetch failure. */
function isNetworkFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && SOCKET_CODES.test(code)) return true;
  }
  return false;
}
