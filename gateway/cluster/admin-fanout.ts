/**
 * Admin commands on an instance of several: a policy reload that succeeded here is announced to
 * every instance (each reloads its own policy file, which a deployment keeps identical). Device
 * revocations and suspensions need nothing here: the store announces them with the change itself.
 */
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';

export function withClusterFanOut(run: (request: AdminRequest) => Promise<unknown>, store: PostgresStore): (request: AdminRequest) => Promise<unknown> {
  return async (request) => {
    const result = await run(request);
    if (request.op === 'policy.reload') {
      await store.publishPolicyChange({ type: 'cluster.policy.announce', actor: 'admin', subject: 'policy' });
    }
    return result;
  };
}
