import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError, ERRORS, type ErrorCode } from '../../protocol/errors.js';
import { ClusterUnavailableError } from '../cluster/gate.js';
import type { GatewayContext } from '../context.js';
import './refusal-context.js';

/**
 * Codes that are part of normal flow or not a refusal at all. Every other refusal, floods included,
 * goes to ctx.audit.refusal, which counts repeats into summaries (gateway/refusals/).
 */
const NOT_AUDITED = new Set<ErrorCode>(['use_dpop_nonce', 'unavailable', 'internal_error']);

/**
 * fastify's own errors and the cluster's closed gate, mapped to the wire table; their messages stay
 * internal. null: an unexpected failure.
 */
function toAirlockError(error: FastifyError | ClusterUnavailableError): AirlockError | null {
  // The instance may have missed a revocation while its feed is down: "come back in a second", not a failure.
  if (error instanceof ClusterUnavailableError) return new AirlockError('unavailable', undefined, { retryAfter: error.retryAfter });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AirlockError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AirlockError('bad_request', 'The request body must be application/json.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AirlockError('bad_request', 'The request body is not valid JSON.');
    default:
      break;
  }
  if (error.validation) return new AirlockError('bad_request', 'The request is malformed.');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) return new AirlockError('bad_request');
  return null;
}

/** The `WWW-Authenticate` challenge RFC 9449 §7.1 and RFC 6750 §3 ask for, by code. */
function challengeFor(code: ErrorCode): string | null {
  switch (code) {
    case 'use_dpop_nonce':
      return 'DPoP error="use_dpop_nonce", algs="ES256"';
    case 'dpop_invalid':
    case 'dpop_replay':
      return 'DPoP error="invalid_dpop_proof", algs="ES256"';
    case 'token_invalid':
    case 'token_expired':
      return 'DPoP error="invalid_token", algs="ES256"';
    default:
      return null;
  }
}

export function sendAirlockError(ctx: GatewayContext, reply: FastifyReply, error: AirlockError): FastifyReply {
  const challenge = challengeFor(error.code);
  if (challenge) reply.header('www-authenticate', challenge);
  if (error.code === 'use_dpop_nonce' || challenge) reply.header('dpop-nonce', ctx.security.nonces.current());
  if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter))));
  return reply.code(error.status).send({ error: { code: error.code, message: error.message, ...(error.lock ? { lock: error.lock } : {}) } });
}

/** Who a refusal is about: the authenticated device, else the device a valid token names, else the address. */
function actorOf(request: FastifyRequest): string {
  if (request.device) return `device:${request.device.deviceId}`;
  if (typeof request.tokenDevice === 'string') return `device:${request.tokenDevice}`;
  return `client:${request.ip}`;
}

/**
 * One error path for the whole app: known refusals go out as `{"error":{"code","message"}}` with
 * their status and are audited; a closed cluster gate is `unavailable` (503, Retry-After: 1);
 * anything else is logged here and answered `internal_error` (500), so no stack trace or internal
 * message reaches a client. Neither of the last two is a refusal, so neither is audited.
 */
export function installErrorHandling(app: FastifyInstance, ctx: GatewayContext): void {
  app.setErrorHandler(async (raw: FastifyError | AirlockError | ClusterUnavailableError, request, reply) => {
    const error = raw instanceof AirlockError ? raw : toAirlockError(raw);
    if (error) {
      if (!NOT_AUDITED.has(error.code)) {
        await ctx.audit.refusal(error.code, actorOf(request), `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`, { message: error.message, client: request.ip, ...request.refusalContext });
      }
      return sendAirlockError(ctx, reply, error);
    }
    // reqId ties it to the request's own log line (logging/request-log.ts).
    ctx.log.error('unexpected error', { reqId: request.id, method: request.method, route: request.routeOptions.url ?? null, error: raw instanceof Error ? raw.stack ?? raw.message : String(raw) });
    return sendAirlockError(ctx, reply, new AirlockError('internal_error'));
  });

  app.setNotFoundHandler(async (request, reply) => {
    // Counted like any refusal, so that scanning for routes is rate-limited and summarised too.
    await ctx.audit.refusal('not_found', actorOf(request), `${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`, { client: request.ip });
    return reply.code(404).send({ error: { code: 'not_found', message: ERRORS.not_found.message } });
  });
}
