import { policy as policySchema, type Policy } from '../../protocol/schemas/policy.js';
import { tpmEkCaErrors } from '../tpm-attestation/ek-certificate.js';

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
  if (parsed.success) {
    // What the schema cannot see: each TPM EK CA must be a CA certificate.
    const errors = tpmEkCaErrors(parsed.data.tpmEkCAs);
    return errors.length === 0 ? { ok: true, policy: parsed.data } : { ok: false, errors };
  }
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)';
      return `field "${field}": ${issue.message}`;
    }),
  };
}
