import { formatInviteLink } from '../../protocol/invite/link.js';
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { Policy } from '../../protocol/schemas/policy.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { DeviceDirectory } from '../auth/device-directory.js';
import type { Clock } from '../context.js';
import { hashInviteCode, newInviteCode, newInviteId } from '../enroll/ids.js';
import { inviteStatusAt } from '../enroll/invite-rules.js';
import type { PolicyHolder } from '../policy/holder.js';
import { isReleaseError } from '../../protocol/release/errors.js';
import { admitReleaseManifest } from '../release/admit-manifest.js';
import { trustedBuildIndexFor } from '../release/trusted-build-index.js';
import type { AuditEntry, DeviceRecord, InviteRecord, Store } from '../store/store.js';

/** A refused admin command; `code` goes back over the socket and the CLI exits non-zero. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(readonly code: 'not_found' | 'bad_request' | 'unavailable', message: string) {
    super(message);
  }
}

/** Who runs an operation, for its audit entry: the OS user, and `console` when it came through the admin console. */
export interface AdminActor {
  osUser: string;
  via: 'console';
}

/** The audit `actor` of an admin action: `admin`, or `admin:<OS user> via console`. */
export const actorName = (by?: AdminActor): string => (by ? `admin:${by.osUser} via ${by.via}` : 'admin');

export interface AdminDeps {
  store: Store;
  clock: Clock;
  /** The gateway's public origin and pin, for invite links; null when not known (no gateway has served yet). */
  origin: () => string | null;
  pin: string;
  /** Present when the gateway is running: revocations then cut live connections and update the auth cache. */
  live?: { hub: ConnectionHub; devices: DeviceDirectory; policy: PolicyHolder };
  /** Without a running gateway: the policy file as it would be loaded at the next start. */
  loadPolicy: () => Promise<Policy>;
}

export const deviceSummaryOf = (d: DeviceRecord) => ({ id: d.id, tester: d.tester, status: d.status, platform: d.platform, enrolledAt: d.enrolledAt, lastSeenAt: d.lastSeenAt });
const inviteSummaryOf = (i: InviteRecord, nowMs: number) => ({ id: i.id, email: i.email, status: inviteStatusAt(i, nowMs), expiresAt: i.expiresAt, devices: i.devicesUsed });
const auditEntryOf = (e: AuditEntry) => ({ seq: e.seq, time: e.time, type: e.type, actor: e.actor, subject: e.subject, details: JSON.parse(e.details) as unknown, prevHash: e.prevHash, hash: e.hash });

/**
 * The admin commands of PROTOCOL.md, on the store; the admin socket runs them inside the gateway
 * (live), the CLI runs them directly when no gateway is running. A revocation is durable (state
 * and audit entry committed) before the auth cache is updated and live connections are cut, and
 * both happen before the answer.
 */
export function createAdminOperations(deps: AdminDeps): (request: AdminRequest, by?: AdminActor) => Promise<unknown> {
  const { store, clock } = deps;
  return async (request, by) => {
    const actor = actorName(by);
    switch (request.op) {
      case 'invite.create': {
        const origin = deps.origin();
        if (origin === null) throw new AdminError('unavailable', 'The gateway URL is not known yet: start the gateway once (airlock-gateway serve), or pass --origin.');
        const code = newInviteCode();
        const expiresAt = new Date(clock.nowMs() + request.expiresInSeconds * 1000).toISOString();
        const invite = await store.createInvite(
          { id: newInviteId(), email: request.email, codeHash: hashInviteCode(code), expiresAt, deviceLimit: request.devices },
          { type: 'admin.invite.create', actor, subject: request.email, details: { expiresAt, devices: request.devices } },
        );
        return { id: invite.id, link: formatInviteLink({ gateway: origin, code, pins: [deps.pin] }), expiresAt: invite.expiresAt };
      }
      case 'invite.list': {
        const now = clock.nowMs();
        return (await store.listInvites()).map((i) => inviteSummaryOf(i, now));
      }
      case 'invite.revoke': {
        const invite = await store.revokeInvite(request.id, { type: 'admin.invite.revoke', actor, subject: request.id });
        if (!invite) throw new AdminError('not_found', `No invite ${request.id}.`);
        return { id: invite.id, status: inviteStatusAt(invite, clock.nowMs()) };
      }
      case 'device.list':
        return (await store.listDevices()).map(deviceSummaryOf);
      case 'device.show': {
        const device = await store.getDevice(request.id);
        if (!device) throw new AdminError('not_found', `No device ${request.id}.`);
        return deviceSummaryOf(device);
      }
      case 'device.revoke': {
        const reason = request.reason ?? 'revoked by an admin';
        const result = await store.revokeDevice(request.id, reason, { type: 'admin.device.revoke', actor, subject: request.id, details: { reason } });
        if (!result) throw new AdminError('not_found', `No device ${request.id}.`);
        let cut = 0;
        if (deps.live) {
          deps.live.devices.markDeviceRevoked(request.id);
          cut = deps.live.hub.cutDevice(request.id, reason);
        }
        return { id: result.device.id, status: result.device.status, cut };
      }
      case 'tester.list':
        return (await store.listTesters()).map((t) => ({ email: t.email, status: t.status, devices: t.devices }));
      case 'tester.suspend': {
        const reason = request.reason ?? 'suspended by an admin';
        const result = await store.suspendTester(request.email, reason, { type: 'admin.tester.suspend', actor, subject: request.email, details: { reason } });
        if (!result) throw new AdminError('not_found', `No tester ${request.email}.`);
        let cut = 0;
        if (deps.live) {
          deps.live.devices.markTesterSuspended(request.email, result.devicesRevoked);
          cut = deps.live.hub.cutTester(request.email, reason);
        }
        return { email: result.tester.email, status: result.tester.status, devicesRevoked: result.devicesRevoked.length, cut };
      }
      case 'audit.tail':
        return (await store.auditTail(request.n)).map(auditEntryOf);
      case 'audit.verify':
        return store.auditVerify(request.anchor);
      case 'policy.show':
        return deps.live ? deps.live.policy.current() : deps.loadPolicy();
      case 'policy.reload': {
        if (!deps.live) return deps.loadPolicy();
        try {
          const policy = await deps.live.policy.reload();
          await store.appendAudit({ type: 'admin.policy.reload', actor, subject: 'policy' });
          return policy;
        } catch (error) {
          throw new AdminError('bad_request', `The policy was not reloaded (the one in force stays): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      case 'release.add':
        return addRelease(deps, request.manifest, actor);
      case 'console.link':
        // The running gateway answers this itself (gateway/console/); here no gateway runs.
        throw new AdminError('unavailable', 'The console runs inside the gateway: start it with "airlock-gateway serve --console-listen 127.0.0.1:PORT", then run "airlock-gateway console" again.');
      case 'tls.reload':
        // Answered by the running gateway (gateway/tls/reload.ts); with none, the next start reads the files.
        throw new AdminError('unavailable', 'No gateway runs on this data directory: it will use the new certificate when it starts.');
    }
  };
}

/**
 * `release add`: verified against policy.releaseKeys (of the policy in force, or the file when no
 * gateway runs) before anything is stored; a running gateway trusts the build at once.
 */
async function addRelease(deps: AdminDeps, manifest: string, actor: string) {
  const policy = deps.live ? deps.live.policy.current() : await deps.loadPolicy();
  const jws = manifest.trim();
  let admitted: Awaited<ReturnType<typeof admitReleaseManifest>>;
  try {
    admitted = await admitReleaseManifest(jws, policy);
  } catch (error) {
    if (isReleaseError(error)) throw new AdminError('bad_request', `The release manifest was refused (${error.code}): ${error.message}`);
    throw error;
  }
  const build = admitted.builds[0]!;
  const { added } = await deps.store.addRelease(
    { manifest: jws, builds: admitted.builds },
    { type: 'admin.release.add', actor, subject: build.buildId, details: { version: build.version, platform: build.platform, arch: build.arch, kid: build.kid } },
  );
  if (deps.live) await trustedBuildIndexFor(deps.store, deps.live.policy).rebuild();
  return { buildId: build.buildId, version: build.version, platform: build.platform, arch: build.arch, kid: build.kid, added: added > 0 };
}
