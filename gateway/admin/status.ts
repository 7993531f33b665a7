/**
 * `status` / `who` and `device show`: what the gateway knows about devices, from the store, the
 * audit log (the evidence each session reported, and from where) and the live connection hub.
 * Typed results, so the CLI and the web console show the same.
 */
import type { ConnectedDevice, DeviceDetail } from '../../protocol/schemas/admin.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { LockRegistry } from '../locks/lock-registry.js';
import type { AuditEntry, DeviceRecord, Store } from '../store/store.js';
import { trustLevelOf } from '../console/trust.js';
import { summarizeUsage } from './usage.js';

export type { ConnectedDevice, DeviceDetail };


interface SessionDetails extends Partial<Evidence> {
  client?: string;
}

const HOUR_MS = 3_600_000;

/** The evidence a device last reported: its last session's, else its enrollment's. */
function lastEvidence(device: DeviceRecord, sessions: readonly AuditEntry[]): { evidence: Evidence; at: string; client: string | null } {
  const last = sessions.findLast((e) => e.actor === `device:${device.id}`);
  if (!last) return { evidence: device.evidence, at: device.enrolledAt, client: null };
  const details = JSON.parse(last.details) as SessionDetails & Record<string, unknown>;
  // A session entry carries every evidence field but the machine-id hash (which must not change),
  // beside fields of its own (expiresIn, client): take the evidence fields only.
  const evidence = Object.fromEntries(Object.entries(device.evidence).map(([k, v]) => [k, k === 'machineIdHash' || details[k] === undefined ? v : details[k]])) as Evidence;
  return { evidence, at: last.time, client: details.client ?? null };
}

/** `limit`: only the `limit` longest-connected devices are looked up (the console's overview shows 50 of 200). */
export async function connectedDevices(deps: { store: Store; hub: ConnectionHub; nowMs: number; limit?: number }): Promise<ConnectedDevice[]> {
  const all = deps.hub.snapshot();
  const live = deps.limit === undefined ? all : all.sort((a, b) => a.since.localeCompare(b.since)).slice(0, deps.limit);
  if (live.length === 0) return [];
  const since = new Date(deps.nowMs - HOUR_MS).toISOString();
  const [calls, sessions, devices] = await Promise.all([
    deps.store.auditSince(since, ['model.call']),
    // Sessions are renewed within the token lifetime, so a connected device has one in the last day.
    deps.store.auditSince(new Date(deps.nowMs - 24 * HOUR_MS).toISOString(), ['session']),
    Promise.all(live.map((l) => deps.store.getDevice(l.deviceId))),
  ]);
  const usage = new Map(summarizeUsage(calls, 'device', () => undefined).map((r) => [r.key, r] as const));
  return live
    .map((l, i) => {
      const device = devices[i];
      const { evidence } = device ? lastEvidence(device, sessions) : { evidence: null };
      const u = usage.get(l.deviceId);
      return {
        tester: l.tester,
        deviceId: l.deviceId,
        platform: evidence?.platform ?? '-',
        appVersion: evidence?.appVersion ?? '-',
        buildId: evidence?.buildId ?? '-',
        trustLevel: device ? trustLevelOf(device.keyStorage) : '-',
        since: l.since,
        events: l.events,
        streams: l.streams,
        requestsLastHour: u?.requests ?? 0,
        tokensLastHour: (u?.promptTokens ?? 0) + (u?.completionTokens ?? 0),
      };
    })
    .sort((a, b) => a.tester.localeCompare(b.tester) || a.deviceId.localeCompare(b.deviceId));
}


export async function deviceDetail(deps: { store: Store; nowMs: number; live?: { hub: ConnectionHub; locks: LockRegistry } | undefined }, device: DeviceRecord): Promise<DeviceDetail> {
  const [entries, invite] = await Promise.all([deps.store.auditSince(device.enrolledAt.slice(0, 19), ['enrollment', 'session'], `device:${device.id}`), deps.store.getInvite(device.inviteId)]);
  const sessions = entries.filter((e) => e.type === 'session');
  const enrollment = entries.find((e) => e.type === 'enrollment');
  const last = lastEvidence(device, sessions);
  const enrolledFrom = enrollment ? ((JSON.parse(enrollment.details) as SessionDetails).client ?? null) : null;
  const lock = deps.live?.locks.holding({ deviceId: device.id, tester: device.tester }, deps.nowMs);
  return {
    id: device.id,
    tester: device.tester,
    status: device.status,
    platform: device.platform,
    keyStorage: device.keyStorage,
    trustLevel: trustLevelOf(device.keyStorage),
    enrolledAt: device.enrolledAt,
    enrolledFrom,
    lastSessionAt: sessions.length > 0 ? last.at : null,
    lastSessionFrom: sessions.length > 0 ? last.client : null,
    lastSeenAt: device.lastSeenAt,
    revokedAt: device.revokedAt,
    revokedReason: device.revokedReason,
    invite: { id: device.inviteId, email: invite?.email ?? null },
    evidence: last.evidence,
    evidenceCheckedAt: last.at,
    connections: deps.live ? { events: deps.live.hub.count({ deviceId: device.id, kind: 'events' }), streams: deps.live.hub.count({ deviceId: device.id, kind: 'stream' }) } : null,
    lock: lock ? { id: lock.id, message: lock.message, expiresAt: lock.expiresAt } : null,
  };
}
