import { policy as policySchema, type Policy } from '../../protocol/schemas/policy.js';

/** The policy file's text checked without applying it: every error, each naming its field. */
export type PolicyCheck = { ok: true; policy: Policy } | { ok: false; errors: string[] };

export function checkPolicyText(text: string): PolicyCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not valid JSON (${error instanceof Error ? error.message : String(error)})`] };
  }
  const parsed = policySchema.safeParse(raw);
  if (parsed.success) return { ok: true, policy: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)';
      return `field "${field}": ${issue.message}`;
    }),
  };
}
