import { z } from 'zod';
import { lockId } from '../../protocol/schemas/admin.js';
import { deviceId, email } from '../../protocol/schemas/common.js';
import { parsePublicOrigin } from '../origin/public-origin.js';
import { UsageError } from './usage-error.js';

export { UsageError };
import { LOG_FORMATS, LOG_LEVELS } from '../logging/levels.js';

/** `72h`, `30m`, `7d`, `90s` → seconds. */
export const duration = z
  .string()
  .regex(/^\d+[smhd]$/, 'must be a number followed by s, m, h or d (e.g. 72h)')
  .transform((v) => Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86_400 }[v.slice(-1) as 's' | 'm' | 'h' | 'd'])
  .pipe(z.number().int().positive().max(365 * 86_400, 'must be at most 365d'));

export const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** `HOST:PORT`, `[v6]:PORT`; port 0 means any free port. */
export const listen = z.string().transform((value, ctx) => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) {
    ctx.addIssue({ code: 'custom', message: 'must be HOST:PORT, e.g. 127.0.0.1:8443 (port 0 = any free port)' });
    return z.NEVER;
  }
  return { host: (match[1] ?? match[2])!, port };
});

export const upstream = z.string().transform((value, ctx) => {
  if (value === 'demo') return { kind: 'demo' as const };
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return { kind: 'url' as const, url: url.href };
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: 'must be "demo" or an http(s) URL of an OpenAI-compatible server' });
  return z.NEVER;
});

export const origin = z.url({ protocol: /^https$/ }).transform((v) => new URL(v).origin);
/** `SEQ:HASH`, the head an earlier `audit verify` printed. */
export const auditAnchor = z
  .string()
  .regex(/^[1-9]\d{0,15}:[0-9a-f]{64}$/, 'must be SEQ:HASH as printed by an earlier audit verify (e.g. 42:3f9a...)')
  .transform((v) => ({ seq: Number(v.slice(0, v.indexOf(':'))), hash: v.slice(v.indexOf(':') + 1) }));

/** `https://HOST[:PORT]`, or a bare HOST whose port follows `--listen` (gateway/origin/public-origin.ts). */
export const publicOriginFlag = z.string().max(300).transform((value, ctx) => {
  try {
    return parsePublicOrigin(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});
export const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` });
/** `auto`: pretty when the log (stderr) is a terminal, else JSON. */
export const logFormat = z.enum(['auto', ...LOG_FORMATS], { error: 'must be auto, json or pretty' });

export const hostName = z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be a DNS name or an IP address');
export { email };

/** Parses one flag value with its schema; the error names the flag. */
export function flag<T extends z.ZodType>(name: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--${name}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`);
  return parsed.data;
}

/** Free text for a flag (a message or a note): one to `max` characters, no control characters but newlines. */
export const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(v), 'must not contain control characters');

export const deviceIdFlag = deviceId;
export const lockIdFlag = lockId;
