import { AirlockError } from '../../protocol/errors.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { TrustedBuilds } from './trusted-builds.js';

type BuildEvidence = Pick<Evidence, 'buildId' | 'packaged' | 'platform' | 'appVersion'>;

/**
 * The `requireTrustedBuild` rule, checked at enrollment and at every session: the evidence must
 * name a packaged build whose id is admitted (a verified manifest for the same platform and
 * version, or policy.trustedBuildIds). Pure. Returns the refusal in gateway/policy/evaluate.ts's
 * verdict shape, or null when the device passes.
 */
export function trustedBuildVerdict(evidence: BuildEvidence, policy: Pick<Policy, 'requireTrustedBuild'>, trusted: TrustedBuilds): { rule: 'requireTrustedBuild'; message: string } | null {
  const reason = trustedBuildRefusal(evidence, policy, trusted);
  return reason === null ? null : { rule: 'requireTrustedBuild', message: `Policy rule requireTrustedBuild: ${reason}. Install a signed Airlock release from your admin.` };
}

/** As trustedBuildVerdict, throwing `policy_violation` naming the rule. */
export function requireTrustedBuild(evidence: BuildEvidence, policy: Pick<Policy, 'requireTrustedBuild'>, trusted: TrustedBuilds): void {
  const verdict = trustedBuildVerdict(evidence, policy, trusted);
  if (verdict !== null) throw new AirlockError('policy_violation', verdict.message);
}

/** Why the rule refuses this evidence (one clause, for a message), or null when it passes. */
export function trustedBuildRefusal(evidence: BuildEvidence, policy: Pick<Policy, 'requireTrustedBuild'>, trusted: TrustedBuilds): string | null {
  if (!policy.requireTrustedBuild) return null;
  if (evidence.buildId === 'dev') return 'development builds (build id "dev") are refused';
  if (!evidence.packaged) return 'unpackaged builds are refused';
  if (trusted.direct.has(evidence.buildId)) return null;
  const build = trusted.fromManifests.get(evidence.buildId);
  if (build === undefined) return `build ${evidence.buildId} is not in a trusted release manifest`;
  // Evidence is self-reported; a build id claimed for another platform or version is a lie or a mix-up.
  if (build.platform !== evidence.platform) return `build ${evidence.buildId} is a ${build.platform} release, not ${evidence.platform}`;
  if (build.version !== evidence.appVersion) return `build ${evidence.buildId} is release ${build.version}, not ${evidence.appVersion}`;
  return null;
}
