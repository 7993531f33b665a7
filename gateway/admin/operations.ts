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
import type { LockRegistry } from '../locks/lock-registry.js';
import { createLock, listLocks, LockTargetError, removeLock, testerLock } from '../locks/lock-operations.js';
import { lockedMessage, noticeOf } from '../locks/lock-rules.js';
import { actorOf, adminDetails, type AdminIdentity } from './identity.js';
import { connectedDevices, deviceDetail } from './status.js';
import { usageFromStore } from './usage.js';
import { diffPolicies } from '../policy/diff.js';
import { traceLeak } from '../tracing/trace-leak.js';

/** A refused admin command; `code` goes back over the socket and the CLI exits non-zero. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(readonly code: 'not_found' | 'bad_request' | 'unavailable', message: string) {
    super(message);
  }
}

/** Who runs an operation through the admin console: the OS user its login link was issued to. */
export interface AdminActor {
  osUser: string;
  via: 'console';
}

export interface AdminDeps {
  store: Store;
  clock: Clock;
  /** The gateway's public origin and pin, for invite links; null when not known (no gateway has served yet). */
  origin: () => string | null;
  pin: string;
  /** A staged next CA's pin (gateway/tls/ca-rotation.ts): invites carry it as the backup pin. */
  backupPin?: () => Promise<string | null>;
  /** Present when the gateway is running: revocations then cut live connections and update the auth cache. */
  live?: { hub: ConnectionHub; devices: DeviceDirectory; policy: PolicyHolder; locks: LockRegistry };
  /** Without a running gateway: the policy file as it would be loaded at the next start. */
  loadPolicy: () => Promise<Policy>;
  /** The leak-tracing key (DATA/trace.key), for `trace`; absent, `trace` is unavailable. */
  traceKey?: () => Promise<Buffer>;
}

export const deviceSummaryOf = (d: DeviceRecord) => ({ id: d.id, tester: d.tester, status: d.status, platform: d.platform, enrolledAt: d.enrolledAt, lastSeenAt: d.lastSeenAt, keyStorage: d.keyStorage });
const inviteSummaryOf = (i: InviteRecord, nowMs: number) => ({ id: i.id, email: i.email, status: inviteStatusAt(i, nowMs), expiresAt: i.expiresAt, devices: i.devicesUsed });
const auditEntryOf = (e: AuditEntry) => ({ seq: e.seq, time: e.time, type: e.type, actor: e.actor, subject: e.subject, details: JSON.parse(e.details) as unknown, prevHash: e.prevHash, hash: e.hash });

/** The admin operations: a request and who made it (its audit entries name them). */
export type AdminOperations = (request: AdminRequest, identity: AdminIdentity | AdminActor) => Promise<unknown>;

/** A console actor as an identity: the OS user who asked for the console link, `via console`. */
export const identityOf = (by: AdminIdentity | AdminActor): AdminIdentity =>
  'osUser' in by ? { user: by.osUser, uid: null, pid: null, sudoUser: null, source: 'console-session', via: 'console' } : by;

/** Usage figures in `tester list`: the same window as `usage` without --since. */
export const TESTER_LIST_USAGE_DAYS = 7;

/**
 * The admin commands of PROTOCOL.md, on the store; the admin socket runs them inside the gateway
 * (live), the CLI runs them directly when no gateway is running. A revocation or lock is durable
 * (state and audit entry committed) before the auth cache is updated and live connections are
 * cut, and both happen before the answer. Every audit entry names the admin (identity.ts).
 */
export function createAdminOperations(deps: AdminDeps): AdminOperations {
  const { store, clock } = deps;
  const lockDeps = () => ({ store, nowMs: () => clock.nowMs(), ...(deps.live ? { live: { hub: deps.live.hub, locks: deps.live.locks } } : {}) });
  return async (request, who) => {
    const identity = identityOf(who);
    const actor = actorOf(identity);
    const by = adminDetails(identity);
    const note = (n: string | undefined) => (n === undefined ? {} : { note: n });
    switch (request.op) {
      case 'invite.create': {
        const origin = deps.origin();
        if (origin === null) throw new AdminError('unavailable', 'The gateway URL is not known yet: start the gateway once (airlock-gateway serve), or pass --origin.');
        const tester = await store.getTester(request.email);
        if (tester?.status === 'suspended') throw new AdminError('bad_request', `${request.email} is suspended, so an invite could not be used. Run "airlock-gateway tester resume ${request.email}" first if they should have access again.`);
        const lock = await testerLock(store, request.email, clock.nowMs());
        if (lock) throw new AdminError('bad_request', `${request.email} is locked (${lock.id}${lock.expiresAt ? `, until ${lock.expiresAt}` : ''}), so a new device would be refused too. Run "airlock-gateway lock remove ${lock.id}" first, or wait for it to end.`);
        const code = newInviteCode();
        const expiresAt = new Date(clock.nowMs() + request.expiresInSeconds * 1000).toISOString();
        const invite = await store.createInvite(
          { id: newInviteId(), email: request.email, codeHash: hashInviteCode(code), expiresAt, deviceLimit: request.devices },
          { type: 'admin.invite.create', actor, subject: request.email, details: { ...by, expiresAt, devices: request.devices } },
        );
        const backupPin = (await deps.backupPin?.()) ?? null;
        return { id: invite.id, link: formatInviteLink({ gateway: origin, code, pins: backupPin ? [deps.pin, backupPin] : [deps.pin] }), expiresAt: invite.expiresAt, pin: deps.pin, gateway: origin };
      }
      case 'invite.list': {
        const now = clock.nowMs();
        return (await store.listInvites()).map((i) => inviteSummaryOf(i, now));
      }
      case 'invite.revoke': {
        const invite = await store.revokeInvite(request.id, { type: 'admin.invite.revoke', actor, subject: request.id, details: by });
        if (!invite) throw new AdminError('not_found', `No invite ${request.id}.`);
        return { id: invite.id, status: inviteStatusAt(invite, clock.nowMs()) };
      }
      case 'device.list':
        return (await store.listDevices()).map(deviceSummaryOf);
      case 'device.show': {
        const device = await store.getDevice(request.id);
        if (!device) throw new AdminError('not_found', `No device ${request.id}.`);
        return deviceDetail({ store, nowMs: clock.nowMs(), live: deps.live }, device);
      }
      case 'device.revoke': {
        const reason = request.reason ?? 'revoked by an admin';
        const result = await store.revokeDevice(request.id, reason, { type: 'admin.device.revoke', actor, subject: request.id, details: { ...by, reason, ...note(request.note) } });
        if (!result) throw new AdminError('not_found', `No device ${request.id}.`);
        let cut = 0;
        if (deps.live) {
          deps.live.devices.markDeviceRevoked(request.id);
          cut = deps.live.hub.cutDevice(request.id, reason);
        }
        return { id: result.device.id, status: result.device.status, cut };
      }
      case 'tester.list': {
        const since = new Date(clock.nowMs() - TESTER_LIST_USAGE_DAYS * 86_400_000).toISOString();
        const [testers, usage] = await Promise.all([store.listTesters(), usageFromStore(store, { since, by: 'tester' })]);
        const byTester = new Map(usage.map((u) => [u.key, u] as const));
        return testers.map((t) => {
          const u = byTester.get(t.email);
          return { email: t.email, status: t.status, devices: t.devices, requests: u?.requests ?? 0, promptTokens: u?.promptTokens ?? 0, completionTokens: u?.completionTokens ?? 0, refusals: u?.refusals ?? 0, cut: u?.cut ?? 0 };
        });
      }
      case 'tester.suspend': {
        const reason = request.reason ?? 'suspended by an admin';
        const result = await store.suspendTester(request.email, reason, { type: 'admin.tester.suspend', actor, subject: request.email, details: { ...by, reason, ...note(request.note) } });
        if (!result) throw new AdminError('not_found', `No tester ${request.email}.`);
        let cut = 0;
        if (deps.live) {
          deps.live.devices.markTesterSuspended(request.email, result.devicesRevoked);
          cut = deps.live.hub.cutTester(request.email, reason);
        }
        return { email: result.tester.email, status: result.tester.status, devicesRevoked: result.devicesRevoked.length, cut };
      }
      case 'tester.resume': {
        const result = await store.resumeTester(request.email, { type: 'admin.tester.resume', actor, subject: request.email, details: { ...by, ...note(request.note) } });
        if (!result) throw new AdminError('not_found', `No tester ${request.email}.`);
        // The tester's devices stay revoked: a new invite enrolls a new device.
        deps.live?.devices.markTesterResumed(request.email);
        return { email: result.tester.email, status: result.tester.status, resumed: result.changed };
      }
      case 'lock.create':
        try {
          return await createLock(lockDeps(), request, actor, by);
        } catch (error) {
          if (error instanceof LockTargetError) throw new AdminError('not_found', error.message);
          throw error;
        }
      case 'lock.list':
        return listLocks(lockDeps());
      case 'lock.remove': {
        const removed = await removeLock(lockDeps(), request.id, actor, { ...by, ...note(request.note) });
        if (!removed) throw new AdminError('not_found', `No lock ${request.id}.`);
        return removed;
      }
      case 'status':
        if (!deps.live) throw new AdminError('unavailable', 'No gateway is running on this data directory, so nobody is connected.');
        return connectedDevices({ store, hub: deps.live.hub, nowMs: clock.nowMs() });
      case 'usage':
        return usageFromStore(store, request);
      case 'audit.tail':
        return (await store.auditTail(request.n)).map(auditEntryOf);
      case 'audit.verify':
        return store.auditVerify(request.anchor);
      case 'policy.show':
        return deps.live ? deps.live.policy.current() : deps.loadPolicy();
      case 'policy.reload': {
        // No gateway runs: the file is checked, and is what the next start reads.
        if (!deps.live) return { policy: await deps.loadPolicy(), applied: false, changes: [], longestWaitSeconds: 0 };
        try {
          const before = deps.live.policy.current();
          const policy = await deps.live.policy.reload();
          const { changes, longestWaitSeconds } = diffPolicies(before, policy);
          await store.appendAudit({ type: 'admin.policy.reload', actor, subject: 'policy', details: { ...by, changed: changes.map((c) => c.field) } });
          return { policy, applied: true, changes, longestWaitSeconds };
        } catch (error) {
          throw new AdminError('bad_request', `The policy was not reloaded (the one in force stays): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      case 'trace': {
        if (!deps.traceKey) throw new AdminError('unavailable', 'Leak tracing needs the data directory\'s trace key (DATA/trace.key); run trace with --data pointing at the gateway\'s data directory.');
        const report = await traceLeak({ store, key: await deps.traceKey() }, request.text);
        const top = report.verdict === 'attributed' ? report.calls[0] : undefined;
        await store.appendAudit({
          type: 'admin.trace',
          actor,
          subject: `sha256:${report.textSha256}`,
          details: { ...by, textSha256: report.textSha256, words: report.words, verdict: report.verdict, matches: report.calls.length, ...(top ? { callId: top.callId, tester: top.tester, deviceId: top.deviceId } : {}) },
        });
        return report;
      }
      case 'release.add':
        return addRelease(deps, request.manifest, actor, by);
      case 'console.link':
        // The running gateway answers this itself (gateway/console/); here no gateway runs.
        throw new AdminError('unavailable', 'The console runs inside the gateway: start it with "airlock-gateway serve --console-listen 127.0.0.1:PORT", then run "airlock-gateway console" again.');
      case 'host.record': {
        // The subject is what an auditor looks for: the new certificate's serial, the CA pin, the archive.
        const { facts } = request;
        const subject = facts.serial ?? facts.file ?? facts.nextPin ?? facts.pin ?? request.event;
        const entry = await store.appendAudit({ type: `admin.${request.event}`, actor, subject, details: { ...by, ...facts } });
        return { seq: entry.seq };
      }
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
async function addRelease(deps: AdminDeps, manifest: string, actor: string, by: Record<string, unknown>) {
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
    { type: 'admin.release.add', actor, subject: build.buildId, details: { ...by, version: build.version, platform: build.platform, arch: build.arch, kid: build.kid } },
  );
  if (deps.live) await trustedBuildIndexFor(deps.store, deps.live.policy).rebuild();
  return { buildId: build.buildId, version: build.version, platform: build.platform, arch: build.arch, kid: build.kid, added: added > 0 };
}
