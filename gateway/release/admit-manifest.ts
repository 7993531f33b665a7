import type { Policy } from '../../protocol/schemas/policy.js';
import { verifyReleaseManifest } from '../../protocol/release/verify.js';
import type { ReleaseArch } from '../../protocol/release/manifest.js';
import type { Platform } from '../../protocol/schemas/evidence.js';

/** One build the gateway trusts because a verified release manifest lists it. What the store keeps. */
export interface AdmittedBuild {
  buildId: string;
  version: string;
  platform: Platform;
  arch: ReleaseArch;
  /** Thumbprint of the release key that signed the manifest: if the key leaves policy.releaseKeys, the build stops counting. */
  kid: string;
  createdAt: string;
}

/**
 * `airlock-gateway release add MANIFEST`: verifies a signed release manifest against
 * policy.releaseKeys and yields the builds it admits. Throws the ReleaseError of the first failed
 * check (unknown key, modified manifest, alg other than ES256, malformed); nothing is admitted then.
 */
export async function admitReleaseManifest(jws: string, policy: Pick<Policy, 'releaseKeys'>): Promise<{ builds: AdmittedBuild[]; buildIds: string[] }> {
  const { manifest, kid } = await verifyReleaseManifest(jws, policy.releaseKeys);
  const build: AdmittedBuild = {
    buildId: manifest.buildId,
    version: manifest.version,
    platform: manifest.platform,
    arch: manifest.arch,
    kid,
    createdAt: manifest.createdAt,
  };
  return { builds: [build], buildIds: [build.buildId] };
}
