import type { LogFields, Logger } from '../ports.js';

/**
 * Every log line of the core goes through here, so a key, token, invite code or proof can never
 * reach a log sink even if a caller passes one by mistake: fields with secret names are dropped,
 * and anything that looks like a JWS, a private JWK member or an invite link's code is masked.
 */
const SECRET_FIELD = /^(d|key|privatekey|private_key|jwk|secret|password|token|accesstoken|access_token|authorization|dpop|proof|code|invitecode|attestation|link|nonce|salt)$/i;
const JWS = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const PRIVATE_MEMBER = /("d"\s*:\s*)"[^"]*"/g;
const LINK_CODE = /([?&]code=)[^&\s"]+/g;
const AUTH_HEADER = /\b(DPoP|Bearer)\s+[A-Za-z0-9._~+/=-]+/g;

export function redactText(text: string): string {
  return text.replace(JWS, '[redacted-jws]').replace(PRIVATE_MEMBER, '$1"[redacted]"').replace(LINK_CODE, '$1[redacted]').replace(AUTH_HEADER, '$1 [redacted]');
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactValue(v, depth + 1);
  return out;
}

export function redactFields(fields: LogFields | undefined): LogFields | undefined {
  return fields === undefined ? undefined : (redactValue(fields, 0) as LogFields);
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: LogFields;
}

/** A logger that redacts, then hands each line to a sink (console, file, or a test's array). */
export function createRedactingLogger(sink: (line: LogLine) => void): Logger {
  const emit = (level: LogLine['level']) => (message: string, fields?: LogFields) => {
    const redacted = redactFields(fields);
    sink(redacted === undefined ? { level, message: redactText(message) } : { level, message: redactText(message), fields: redacted });
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Wraps an injected logger so the core's lines are redacted whatever the sink. */
export function redacting(logger: Logger): Logger {
  return createRedactingLogger((line) => logger[line.level](line.message, line.fields));
}
