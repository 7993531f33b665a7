/**
 * AIRLOCK_LEAK_TRACING: `on` (the default) or `off`. Off, no answer is fingerprinted (a deployment
 * that must not keep even fingerprints, and the bench's baseline for what tracing costs a call);
 * `trace` still works on what was stored before.
 */
import { z } from 'zod';

export const LEAK_TRACING_ENV = 'AIRLOCK_LEAK_TRACING';

const setting = z.enum(['on', 'off']);

export function leakTracingOn(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[LEAK_TRACING_ENV];
  if (raw === undefined || raw === '') return true;
  const parsed = setting.safeParse(raw);
  if (!parsed.success) throw new Error(`${LEAK_TRACING_ENV} must be "on" or "off", got "${raw.slice(0, 40)}"`);
  return parsed.data === 'on';
}
