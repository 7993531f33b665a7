import { signCompact } from '../jws/compact.js';
import type { Es256Signer } from '../jws/signer.js';
import { jwkThumbprint } from '../dpop/thumbprint.js';
import { ReleaseError, describeIssue } from './errors.js';
import { RELEASE_TYP, releaseManifest, type ReleaseManifest } from './manifest.js';

/** Signs a release manifest as a compact JWS; the manifest is schema-checked first so no bad one is ever signed. */
export async function signReleaseManifest(manifest: ReleaseManifest, signer: Es256Signer): Promise<string> {
  const checked = releaseManifest.safeParse(manifest);
  if (!checked.success) throw new ReleaseError('release_malformed', describeIssue(checked.error.issues[0]));
  const kid = await jwkThumbprint(signer.publicJwk);
  return signCompact({ alg: 'ES256', typ: RELEASE_TYP, kid }, checked.data, signer);
}
