import { AirlockError } from '../../../protocol/errors.js';
import { errorBody } from '../../../protocol/schemas/common.js';
import { ClientError } from '../errors.js';
import type { GatewayResponse } from '../transport/gateway-http.js';

/**
 * Turns a non-2xx answer into an error with a stable code. The gateway's JSON error is trusted
 * only after zod says it is one; anything else (a proxy's HTML page) is a network error.
 */
export async function errorFromResponse(response: GatewayResponse): Promise<AirlockError | ClientError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return new ClientError('network_error', `The gateway answered ${response.status} without an Airlock error. Try again later.`);
  const retryAfter = Number(response.header('retry-after'));
  const lock = parsed.data.error.lock;
  return new AirlockError(parsed.data.error.code, parsed.data.error.message, { ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfter } : {}), ...(lock ? { lock } : {}) });
}
