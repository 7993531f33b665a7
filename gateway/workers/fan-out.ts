/**
 * Changes that every worker process must act on (`serve --workers N`), sent to the others and
 * applied by all of them before the change is reported done:
 *  - the store's revocations, retirements, suspensions and resumes, whoever made them (admin socket,
 *    console, a tester retiring a device): the wrapped store sends the event after its commit;
 *  - a policy reload or an admitted release (each worker reloads), a TLS reload (each worker
 *    loads the new certificate).
 * Locks reach the other workers through the lock poller, as between instances on PostgreSQL.
 */
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { Store } from '../store/store.js';
import type { SiblingEvent } from './messages.js';

type FanOut = (event: SiblingEvent) => Promise<void>;

/** The store, with revocations and suspensions announced to the other workers after they commit. */
export function withWorkerFanOut<S extends Store>(store: S, fanOut: FanOut): S {
  const wrapped = Object.create(store) as S;
  wrapped.revokeDevice = async (id, reason, audit) => {
    const result = await store.revokeDevice(id, reason, audit);
    if (result?.changed) await fanOut({ kind: 'device.revoked', deviceId: id, reason });
    return result;
  };
  wrapped.retireDevice = async (id, audit) => {
    const result = await store.retireDevice(id, audit);
    if (result?.changed) await fanOut({ kind: 'device.revoked', deviceId: id, reason: result.device.revokedReason ?? 'retired by its tester' });
    return result;
  };
  wrapped.suspendTester = async (email, reason, audit) => {
    const result = await store.suspendTester(email, reason, audit);
    if (result) await fanOut({ kind: 'tester.suspended', tester: email, reason });
    return result;
  };
  wrapped.resumeTester = async (email, audit) => {
    const result = await store.resumeTester(email, audit);
    if (result?.changed) await fanOut({ kind: 'tester.resumed', tester: email });
    return result;
  };
  return wrapped;
}

/** Admin commands whose effect each worker must take up itself. */
export function withWorkerAdminFanOut<A extends unknown[]>(run: (request: AdminRequest, ...rest: A) => Promise<unknown>, fanOut: FanOut): (request: AdminRequest, ...rest: A) => Promise<unknown> {
  return async (request, ...rest) => {
    const result = await run(request, ...rest);
    if (request.op === 'policy.reload' || request.op === 'release.add') await fanOut({ kind: 'policy.changed' });
    if (request.op === 'tls.reload') await fanOut({ kind: 'tls.reload' });
    return result;
  };
}
