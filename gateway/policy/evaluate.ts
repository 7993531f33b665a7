import { KEY_STORAGE_RANK, type Evidence } from '../../protocol/schemas/evidence.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import { trustedBuildRefusal } from '../release/require-trusted-build.js';
import type { TrustedBuilds } from '../release/trusted-builds.js';

export type PolicyRule =
  | 'allowedPlatforms'
  | 'minAppVersion'
  | 'allowDevBuilds'
  | 'requireDiskEncryption'
  | 'refuseDebugger'
  | 'minKeyStorage'
  | 'requireTrustedBuild';

export interface PolicyVerdict {
  rule: PolicyRule;
  message: string;
}

/** -1, 0 or 1, by semantic-version precedence (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = a.split(/-(.*)/s);
  const [coreB = '', preB] = b.split(/-(.*)/s);
  const na = coreA.split('.').map(Number);
  const nb = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  return preA === preB ? 0 : preA < preB ? -1 : 1;
}

/**
 * Judges device evidence against the policy, rule by rule in a fixed order, and names the first
 * rule it breaks (null when it passes). Pure: enrollment and every session call it.
 * `trusted` is the gateway's trusted-build index (gateway/release/: admitted release manifests,
 * checked for platform and version too); a bare set of build ids is trusted as policy.trustedBuildIds is.
 */
export function evaluateEvidence(evidence: Evidence, policy: Policy, trusted: TrustedBuilds | ReadonlySet<string> = new Set()): PolicyVerdict | null {
  if (!policy.allowedPlatforms.includes(evidence.platform)) {
    return { rule: 'allowedPlatforms', message: `Platform ${evidence.platform} is not allowed (allowedPlatforms: ${policy.allowedPlatforms.join(', ')}).` };
  }
  if (compareVersions(evidence.appVersion, policy.minAppVersion) < 0) {
    return { rule: 'minAppVersion', message: `App version ${evidence.appVersion} is older than the minimum ${policy.minAppVersion} (minAppVersion). Update the app.` };
  }
  if (!policy.allowDevBuilds && (!evidence.packaged || evidence.buildId === 'dev')) {
    return { rule: 'allowDevBuilds', message: 'Development builds are not allowed (allowDevBuilds): install a packaged release of the app.' };
  }
  if (policy.requireDiskEncryption && evidence.diskEncryption !== 'on') {
    return { rule: 'requireDiskEncryption', message: `Disk encryption is required (requireDiskEncryption), and it is ${evidence.diskEncryption} on this device.` };
  }
  if (policy.refuseDebugger && evidence.debugger) {
    return { rule: 'refuseDebugger', message: 'A debugger is attached to the app (refuseDebugger). Restart the app without it.' };
  }
  if (KEY_STORAGE_RANK[evidence.keyStorage] < KEY_STORAGE_RANK[policy.minKeyStorage]) {
    return { rule: 'minKeyStorage', message: `Key storage ${evidence.keyStorage} is weaker than the minimum ${policy.minKeyStorage} (minKeyStorage).` };
  }
  if (isTrustedBuilds(trusted)) {
    const reason = trustedBuildRefusal(evidence, policy, trusted);
    if (reason !== null) return { rule: 'requireTrustedBuild', message: `This build of the app is not a trusted release (requireTrustedBuild): ${reason}. Install a signed release from your admin.` };
  } else if (policy.requireTrustedBuild && !(policy.trustedBuildIds.includes(evidence.buildId) || trusted.has(evidence.buildId))) {
    return { rule: 'requireTrustedBuild', message: 'This build of the app is not a trusted release (requireTrustedBuild). Install a release from your admin.' };
  }
  return null;
}

function isTrustedBuilds(value: TrustedBuilds | ReadonlySet<string>): value is TrustedBuilds {
  return 'fromManifests' in value;
}
