import type { Policy } from '../../protocol/schemas/policy.js';

/** When a changed policy field starts to count. */
export type TakesEffect = 'now' | 'next-session';

export interface PolicyChange {
  field: string;
  before: unknown;
  after: unknown;
  takesEffect: TakesEffect;
  /** Said plainly, for the admin. */
  when: string;
}

/**
 * Fields read on every request or call (limits, audit of content) or pushed to connected apps at
 * once on their control channel (watermark, content protection, history): they count now. The
 * rest is checked when a device opens a session, so it counts at each device's next session.
 */
// tpmEkCAs is read by each TPM enrollment only (devices already enrolled keep their verified kind): it counts now.
const NOW: ReadonlySet<string> = new Set(['limits', 'auditContent', 'watermark', 'contentProtection', 'chatHistory', 'tpmEkCAs']);

/** What a reload changes, field by field (`limits.tokensPerDay`), and when each change counts. */
export function diffPolicies(before: Policy, after: Policy): { changes: PolicyChange[]; longestWaitSeconds: number } {
  const changes: PolicyChange[] = [];
  const wait = before.tokenLifetimeSeconds;
  const visit = (path: string[], a: unknown, b: unknown) => {
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) visit([...path, key], a[key], b[key]);
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const takesEffect: TakesEffect = NOW.has(path[0]!) ? 'now' : 'next-session';
    const when = takesEffect === 'now' ? 'now' : `at each device's next session (within ${wait} s: the longest a session issued before the reload lasts)`;
    changes.push({ field: path.join('.'), before: a, after: b, takesEffect, when });
  };
  visit([], before, after);
  return { changes, longestWaitSeconds: changes.some((c) => c.takesEffect === 'next-session') ? wait : 0 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
