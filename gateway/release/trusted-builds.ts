import { jwkThumbprint } from '../../protocol/dpop/thumbprint.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { AdmittedBuild } from './admit-manifest.js';

/** The build ids a device may run under `requireTrustedBuild`, by id. */
export interface TrustedBuilds {
  /** From admitted manifests whose release key is still in policy.releaseKeys. */
  readonly fromManifests: ReadonlyMap<string, AdmittedBuild>;
  /** policy.trustedBuildIds, admitted directly by the admin. */
  readonly direct: ReadonlySet<string>;
}

/**
 * Builds the index `requireTrustedBuild` reads. Rebuild it at start, on policy reload and after
 * `release add`: a build whose manifest was signed by a key no longer in policy.releaseKeys drops
 * out, so removing a release key withdraws every build it vouched for.
 */
export async function indexTrustedBuilds(admitted: Iterable<AdmittedBuild>, policy: Pick<Policy, 'releaseKeys' | 'trustedBuildIds'>): Promise<TrustedBuilds> {
  const liveKids = new Set(await Promise.all(policy.releaseKeys.map((jwk) => jwkThumbprint(jwk))));
  const fromManifests = new Map<string, AdmittedBuild>();
  for (const build of admitted) if (liveKids.has(build.kid)) fromManifests.set(build.buildId, build);
  return { fromManifests, direct: new Set(policy.trustedBuildIds) };
}
