/**
 * Admin commands on an instance of several: a policy reload that succeeded here is announced to
 * every instance (each reloads its own policy file, which a deployment keeps identical). So is an
 * admitted release manifest: the reload makes every instance rebuild its trusted-build index from
 * the shared store, so a new build is trusted everywhere at once, not at the next restart. Device
 * revocations and suspensions need nothing here: the store announces them with the change itself.
 */
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';

export function withClusterFanOut<A extends unknown[]>(run: (request: AdminRequest, ...rest: A) => Promise<unknown>, store: PostgresStore): (request: AdminRequest, ...rest: A) => Promise<unknown> {
  return async (request, ...rest) => {
    const result = await run(request, ...rest);
    if (request.op === 'policy.reload' || request.op === 'release.add') {
      await store.publishPolicyChange({ type: 'cluster.policy.announce', actor: 'admin', subject: 'policy' });
    }
    return result;
  };
}
