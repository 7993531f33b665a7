import { z } from 'zod';
import { deviceId, email, inviteId, isoTime } from './common.js';
import { platform, type Evidence } from './evidence.js';

/**
 * The admin socket (`DATA/admin.sock`, mode 0600): one JSON request per connection, newline
 * terminated, one JSON response `{ ok: true, result } | { ok: false, error }`. The CLI is its only
 * client; the network port has no admin route.
 */
const reason = z.string().min(1).max(500);
/** Shown to the tester (`--message`; `--reason` is its older name). */
const message = z.string().min(1).max(500);
/** Kept in the audit log only (`--note`). */
const note = z.string().min(1).max(2000);
export const lockId = z.string().regex(/^lck_[A-Za-z0-9_-]{8,64}$/, 'must be a lock id (lck_...)');
const isoSince = z.iso.datetime();

/** What `host.record` records: each becomes the audit entry type `admin.<event>`. */
export const hostEvent = z.enum(['cert.renew', 'ca.stage', 'ca.switch', 'backup.create']);
export type HostEvent = z.infer<typeof hostEvent>;

export const adminRequest = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('invite.create'), email, expiresInSeconds: z.number().int().positive().max(365 * 86_400), devices: z.number().int().min(1).max(100) }),
  z.strictObject({ op: z.literal('invite.list') }),
  z.strictObject({ op: z.literal('invite.revoke'), id: inviteId }),
  z.strictObject({ op: z.literal('device.list') }),
  z.strictObject({ op: z.literal('device.show'), id: deviceId }),
  z.strictObject({ op: z.literal('device.revoke'), id: deviceId, reason: reason.optional(), note: note.optional() }),
  z.strictObject({ op: z.literal('tester.list') }),
  z.strictObject({ op: z.literal('tester.suspend'), email, reason: reason.optional(), note: note.optional() }),
  z.strictObject({ op: z.literal('tester.resume'), email, note: note.optional() }),
  z.strictObject({
    op: z.literal('lock.create'),
    target: z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('tester'), email }), z.strictObject({ kind: z.literal('device'), id: deviceId })]),
    ttlSeconds: z.number().int().positive().max(365 * 86_400).optional(),
    message: message.optional(),
    note: note.optional(),
    /** The app deletes its chat history (file and key) when the lock reaches it; the device key stays. */
    wipeHistory: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('lock.list') }),
  z.strictObject({ op: z.literal('lock.remove'), id: lockId, note: note.optional() }),
  z.strictObject({ op: z.literal('status') }),
  z.strictObject({ op: z.literal('usage'), since: isoSince, tester: email.optional(), by: z.enum(['tester', 'day', 'model', 'device']) }),
  z.strictObject({ op: z.literal('audit.tail'), n: z.number().int().min(1).max(100_000) }),
  z.strictObject({ op: z.literal('audit.verify'), anchor: z.strictObject({ seq: z.number().int().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/) }).optional() }),
  z.strictObject({ op: z.literal('policy.show') }),
  z.strictObject({ op: z.literal('policy.reload') }),
  z.strictObject({ op: z.literal('release.add'), manifest: z.string().max(1_000_000) }),
  z.strictObject({ op: z.literal('console.link') }),
  /** `trace FILE|-`: a suspected leak to match against the answers' fingerprints (not stored; its hash is audited). */
  z.strictObject({ op: z.literal('trace'), text: z.string().min(1).max(1_000_000) }),
  /** After `cert renew`: the running gateway serves the new server certificate to new connections. */
  z.strictObject({ op: z.literal('tls.reload') }),
  /**
   * Commands that change the gateway's keys or copy its secrets on the host itself (`cert renew`,
   * `ca rotate`, `backup`) do their work from the CLI, then record it here so the audit log shows it.
   */
  z.strictObject({
    op: z.literal('host.record'),
    event: hostEvent,
    facts: z.strictObject({
      serial: z.string().max(200).optional(),
      notAfter: z.string().max(200).optional(),
      pin: z.string().max(200).optional(),
      nextPin: z.string().max(200).optional(),
      previousPin: z.string().max(200).optional(),
      file: z.string().max(4096).optional(),
      bytes: z.string().max(20).optional(),
      store: z.string().max(20).optional(),
    }),
  }),
]);
export type AdminRequest = z.infer<typeof adminRequest>;
export type AdminOp = AdminRequest['op'];

export const inviteStatus = z.enum(['pending', 'used', 'expired', 'revoked']);
export const inviteCreated = z.strictObject({ id: inviteId, link: z.string(), expiresAt: isoTime });
export const inviteSummary = z.strictObject({ id: inviteId, email, status: inviteStatus, expiresAt: isoTime, devices: z.number().int().nonnegative() });
export const inviteRevoked = z.strictObject({ id: inviteId, status: inviteStatus });

export const deviceStatus = z.enum(['active', 'revoked', 'retired']);
export const deviceSummary = z.strictObject({
  id: deviceId,
  tester: email,
  status: deviceStatus,
  platform,
  enrolledAt: isoTime,
  lastSeenAt: isoTime.nullable(),
  /** Where the device key is, as the gateway VERIFIED it at enrollment (issue 18): `tpm` only on a TPM proof. */
  keyStorage: z.enum(['keychain', 'tpm']),
});
export const deviceRevoked = z.strictObject({ id: deviceId, status: deviceStatus, cut: z.number().int().nonnegative() });

export const testerStatus = z.enum(['active', 'suspended']);
export const testerSummary = z.strictObject({ email, status: testerStatus, devices: z.number().int().nonnegative() });
export const testerSuspended = z.strictObject({ email, status: testerStatus, devicesRevoked: z.number().int().nonnegative(), cut: z.number().int().nonnegative() });

export const auditVerifyResult = z.strictObject({ ok: z.boolean(), entries: z.number().int().nonnegative(), firstBad: z.number().int().nonnegative().nullable(), head: z.string().regex(/^[1-9]\d*:[0-9a-f]{64}$/).nullable() });

/** `status`: one row per connected device (the CLI's table and the console's overview). */
export interface ConnectedDevice {
  tester: string;
  deviceId: string;
  platform: string;
  appVersion: string;
  buildId: string;
  trustLevel: string;
  /** When the oldest of its open connections opened. */
  since: string;
  events: number;
  streams: number;
  requestsLastHour: number;
  tokensLastHour: number;
}

/** `device show`: everything the gateway knows about one device. */
export interface DeviceDetail {
  id: string;
  tester: string;
  status: z.infer<typeof deviceStatus>;
  platform: string;
  /** Verified at enrollment (deviceSummary.keyStorage). */
  keyStorage: 'keychain' | 'tpm';
  trustLevel: string;
  enrolledAt: string;
  enrolledFrom: string | null;
  lastSessionAt: string | null;
  lastSessionFrom: string | null;
  lastSeenAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  invite: { id: string; email: string | null };
  /** The last evidence the gateway checked (its last session's, else its enrollment's): every field. */
  evidence: Evidence;
  evidenceCheckedAt: string;
  connections: { events: number; streams: number } | null;
  lock: { id: string; message: string | null; expiresAt: string | null } | null;
}

/** A lock as `lock list`, `lock create` and `lock remove` answer it. */
export interface LockView {
  id: string;
  target: string;
  targetKind: 'tester' | 'device';
  message: string | null;
  note: string | null;
  wipeHistory: boolean;
  createdAt: string;
  createdBy: string;
  /** null: until removed. */
  expiresAt: string | null;
  holds: boolean;
}

export const adminResponse = z.discriminatedUnion('ok', [
  /** `proof`, on a state-changing command: the audit entry that records it, re-read from the store (the CLI checks it there). */
  z.strictObject({ ok: z.literal(true), result: z.unknown(), proof: z.strictObject({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) }).optional() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.string(), message: z.string() }) }),
]);
export type AdminResponse = z.infer<typeof adminResponse>;
export type AdminProof = NonNullable<Extract<AdminResponse, { ok: true }>['proof']>;

/** `console.link`: a one-time login link to the admin console (valid 60 s, single use). */
export const consoleLink = z.strictObject({ link: z.string(), expiresAt: isoTime });
