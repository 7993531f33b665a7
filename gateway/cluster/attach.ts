/**
 * Joins one gateway instance to the others on a shared PostgreSQL store:
 *  - a feed that applies every revocation, suspension and policy change committed by any instance
 *    (cut live connections through the hub, mark the device directory, reload the policy);
 *  - the fail-closed gate, closed while that feed is down or catching up;
 *  - the cross-instance DPoP replay guard, which refuses while the gate is closed. Every
 *    DPoP-authenticated request claims its proof's jti through it, so a closed gate stops them all.
 * Enrollment nonces are already single-use across instances: the store consumes them with DELETE.
 */
import pg from 'pg';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { DeviceDirectory } from '../auth/device-directory.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';
import type { ClusterEvent } from './events.js';
import { createClusterFeed, type ClusterFeed } from './feed.js';
import { createClusterGate, type ClusterGate } from './gate.js';
import type { ReplayGuard } from '../auth/replay-guard.js';
import { createSingleUseStore, type SingleUseStore } from './single-use.js';

export interface GatewayClusterDeps {
  store: PostgresStore;
  hub: ConnectionHub;
  devices: Pick<DeviceDirectory, 'markDeviceRevoked' | 'markTesterSuspended' | 'markTesterResumed'>;
  /** Re-reads the policy after another instance changed it. */
  reloadPolicy?: () => Promise<unknown>;
  log?: (line: string) => void;
  /** How often expired single-use claims are deleted (default 30 s). */
  sweepEveryMs?: number;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface GatewayCluster {
  gate: ClusterGate;
  /** Pass as `security.replay`. */
  replay: ReplayGuard;
  singleUse: SingleUseStore;
  feed: ClusterFeed;
  /** Resolves once the feed listens and has caught up (the gate is open). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createGatewayCluster(deps: GatewayClusterDeps): GatewayCluster {
  const log = deps.log ?? (() => undefined);
  const gate = createClusterGate('not yet listening to the shared store');
  // Its own small pool: a burst of requests' claims must not queue behind store work.
  const claimPool = new pg.Pool({ ...deps.store.connection, max: 4, keepAlive: true, connectionTimeoutMillis: 5_000 });
  claimPool.on('error', (error) => log(`cluster: idle claim connection lost: ${error.message}`));
  const singleUse = createSingleUseStore(claimPool, { gate });
  let sweeper: NodeJS.Timeout | undefined;

  async function apply(event: ClusterEvent): Promise<void> {
    switch (event.kind) {
      case 'device.revoked':
        // Mark first: a request that passes the gate after this sees the revocation.
        deps.devices.markDeviceRevoked(event.deviceId);
        deps.hub.cutDevice(event.deviceId, event.reason);
        return;
      case 'tester.suspended':
        // The tester's status alone refuses every one of their devices.
        deps.devices.markTesterSuspended(event.tester, []);
        deps.hub.cutTester(event.tester, event.reason);
        return;
      case 'tester.resumed':
        // Else this instance would refuse the tester's new devices as suspended until its restart.
        deps.devices.markTesterResumed(event.tester);
        return;
      case 'policy.changed':
        // A policy file that does not load here keeps the policy in force (the holder's rule) and
        // is logged; it must not close the gate, or one bad file would take the instance offline.
        try {
          await deps.reloadPolicy?.();
        } catch (error) {
          log(`cluster: policy change announced, but this instance's policy did not reload: ${error instanceof Error ? error.message : String(error)}`);
        }
        return;
    }
  }

  const feed = createClusterFeed({
    connection: deps.store.connection,
    gate,
    apply,
    log,
    ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }),
    ...(deps.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: deps.heartbeatTimeoutMs }),
    ...(deps.retryMinMs === undefined ? {} : { retryMinMs: deps.retryMinMs }),
    ...(deps.retryMaxMs === undefined ? {} : { retryMaxMs: deps.retryMaxMs }),
  });

  return {
    gate,
    replay: singleUse.guard('dpop'),
    singleUse,
    feed,
    async start() {
      await feed.start();
      sweeper = setInterval(() => {
        singleUse.sweep().catch((error: unknown) => log(`cluster: sweep failed: ${error instanceof Error ? error.message : String(error)}`));
      }, deps.sweepEveryMs ?? 30_000);
      sweeper.unref();
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await feed.stop();
      await claimPool.end();
    },
  };
}
