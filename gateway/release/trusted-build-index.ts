import type { PolicyHolder } from '../policy/holder.js';
import type { Store } from '../store/store.js';
import { indexTrustedBuilds, type TrustedBuilds } from './trusted-builds.js';

/**
 * The trusted-build index of one running gateway: indexTrustedBuilds over the builds in the store
 * and the policy in force, rebuilt at start, after every policy reload and after `release add`.
 * Enrollment and every session read it; a rebuild that fails (store unreachable) is retried by the
 * next reader instead of being remembered.
 */
export interface TrustedBuildIndex {
  current(): Promise<TrustedBuilds>;
  rebuild(): Promise<TrustedBuilds>;
}

// One index per running gateway: the routes and the admin socket's `release.add` meet here, keyed
// by the policy holder both are given (serve.ts makes exactly one per gateway).
const indexes = new WeakMap<PolicyHolder, TrustedBuildIndex>();

export function trustedBuildIndexFor(store: Pick<Store, 'listReleases'>, policy: PolicyHolder): TrustedBuildIndex {
  const existing = indexes.get(policy);
  if (existing) return existing;
  let built: Promise<TrustedBuilds> | undefined;
  const index: TrustedBuildIndex = {
    current: () => built ?? index.rebuild(),
    rebuild() {
      const attempt = store.listReleases().then((builds) => indexTrustedBuilds(builds, policy.current()));
      built = attempt;
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
      return attempt;
    },
  };
  policy.onChange(() => {
    // A failed rebuild is dropped above and retried by the next reader; nothing to report here.
    index.rebuild().catch(() => undefined);
  });
  indexes.set(policy, index);
  return index;
}
