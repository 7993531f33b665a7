/**
 * Error answers of the model and events routes, in PROTOCOL.md's shape. Sent here rather than
 * thrown so that the status, Retry-After and body do not depend on which error handler is in front.
 */
import type { FastifyReply } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';

export function replyError(reply: FastifyReply, error: AirlockError): FastifyReply {
  reply.code(error.status);
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.send({ error: { code: error.code, message: error.message, ...(error.lock ? { lock: error.lock } : {}) } });
}

/** The first zod issue as "field: problem", so a refused request says what to fix. */
export function describeFirstIssue(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const issue = issues[0];
  if (!issue) return 'invalid body';
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function asAirlockError(error: unknown, fallback: AirlockError): AirlockError {
  return error instanceof AirlockError ? error : fallback;
}
