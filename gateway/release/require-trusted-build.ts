import { AirlockError } from '../../protocol/errors.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { TrustedBuilds } from './trusted-builds.js';

function refuse(reason: string): AirlockError {
  return new AirlockError('policy_violation', `Policy rule requireTrustedBuild: ${reason}. Install a signed Airlock release from your admin.`);
}

/**
 * The `requireTrustedBuild` rule, checked at enrollment and at every session: the evidence must
 * name a packaged build whose id is admitted (a verified manifest for the same platform and
 * version, or policy.trustedBuildIds). Pure; throws `policy_violation` naming the rule.
 */
export function requireTrustedBuild(evidence: Pick<Evidence, 'buildId' | 'packaged' | 'platform' | 'appVersion'>, policy: Pick<Policy, 'requireTrustedBuild'>, trusted: TrustedBuilds): void {
  if (!policy.requireTrustedBuild) return;
  if (evidence.buildId === 'dev') throw refuse('development builds (build id "dev") are refused');
  if (!evidence.packaged) throw refuse('unpackaged builds are refused');
  if (trusted.direct.has(evidence.buildId)) return;
  const build = trusted.fromManifests.get(evidence.buildId);
  if (build === undefined) throw refuse(`build ${evidence.buildId} is not in a trusted release manifest`);
  // Evidence is self-reported; a build id claimed for another platform or version is a lie or a mix-up.
  if (build.platform !== evidence.platform) throw refuse(`build ${evidence.buildId} is a ${build.platform} release, not ${evidence.platform}`);
  if (build.version !== evidence.appVersion) throw refuse(`build ${evidence.buildId} is release ${build.version}, not ${evidence.appVersion}`);
}
