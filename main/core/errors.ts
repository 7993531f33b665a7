import { AirlockError, type ErrorCode } from '../../protocol/errors.js';

/**
 * Failures only a client can meet: no keychain, no network, an invite for a gateway other than
 * the one this app is set up for (whose advice is not "copy the link again"), or the TPM that
 * holds this device's key cannot be used (the message says what to do).
 */
export type LocalErrorCode = 'keychain_unavailable' | 'network_error' | 'wrong_gateway' | 'tpm_unavailable';

/** Codes the client core reports: the protocol's table plus the client's own. */
export type ClientErrorCode = ErrorCode | LocalErrorCode;

/** A client-side failure that is not a gateway answer. */
export class ClientError extends Error {
  readonly code: LocalErrorCode;
  constructor(code: LocalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
  }
}

/** A stable code and a message for the tester, from anything thrown inside the core. */
export function describeError(error: unknown): { code: ClientErrorCode; message: string } {
  if (error instanceof AirlockError) return { code: error.code, message: error.message };
  if (error instanceof ClientError) return { code: error.code, message: error.message };
  // A socket code (ECONNREFUSED, ETIMEDOUT, ...) means nothing to a tester; the log keeps it.
  return { code: 'network_error', message: 'The gateway is not reachable.' };
}

/** The gateway answers that end this device's enrollment for good. */
export const REVOKING_CODES = ['device_revoked', 'tester_suspended', 'key_moved'] as const;
export type RevokingCode = (typeof REVOKING_CODES)[number];
export function isRevokingCode(code: string): code is RevokingCode {
  return (REVOKING_CODES as readonly string[]).includes(code);
}
