import { AirlockError } from '../../protocol/errors.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { TrustedBuildIndex } from '../release/trusted-build-index.js';
import { evaluateEvidence } from './evaluate.js';

/**
 * Enrollment and every session judge evidence the same way: against the policy in force, reading
 * the trusted-build index only when that policy requires trusted builds. Throws `policy_violation`
 * naming the first rule broken.
 */
export async function enforcePolicy(evidence: Evidence, policy: Policy, trustedBuilds: TrustedBuildIndex): Promise<void> {
  const verdict = evaluateEvidence(evidence, policy, policy.requireTrustedBuild ? await trustedBuilds.current() : undefined);
  if (verdict) throw new AirlockError('policy_violation', `Policy rule ${verdict.rule}: ${verdict.message}`);
}
