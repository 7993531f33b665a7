/**
 * Row shapes and row-to-record mappings shared by the SQLite and PostgreSQL stores: both keep the
 * same tables and columns. Where the drivers differ (PostgreSQL returns `count(*)` and `bigint` as
 * strings, SQLite as numbers) the row type allows both and the mapping takes `Number()`.
 */
import type { EcPublicJwk } from '../../protocol/schemas/common.js';
import type { Evidence, Platform } from '../../protocol/schemas/evidence.js';
import type { AdmittedBuild } from '../release/admit-manifest.js';
import type { AuditEntry, AuditQuery, DeviceRecord, InviteRecord, LockRecord, TesterRecord } from './store.js';

export interface InviteRow { id: string; email: string; code_hash: string; created_at: string; expires_at: string; device_limit: number; devices_used: number; status: InviteRecord['status'] }
export interface DeviceRow { id: string; tester: string; invite_id: string; public_jwk: string; jkt: string; evidence: string; platform: string; status: DeviceRecord['status']; enrolled_at: string; last_seen_at: string | null; revoked_at: string | null; revoked_reason: string | null; key_storage: DeviceRecord['keyStorage'] }
export interface TesterRow { email: string; status: TesterRecord['status']; created_at: string; devices: number | string }
export interface ReleaseRow { build_id: string; kid: string; version: string; platform: string; arch: string; created_at: string }
export interface AuditDbRow { seq: number | string; time: string; type: string; actor: string; subject: string; details: string; prev_hash: string; hash: string }

export const toInvite = (r: InviteRow): InviteRecord => ({
  id: r.id, email: r.email, codeHash: r.code_hash, createdAt: r.created_at, expiresAt: r.expires_at,
  deviceLimit: r.device_limit, devicesUsed: r.devices_used, status: r.status,
});
export const toDevice = (r: DeviceRow): DeviceRecord => ({
  id: r.id, tester: r.tester, inviteId: r.invite_id, publicJwk: JSON.parse(r.public_jwk) as EcPublicJwk, jkt: r.jkt,
  evidence: JSON.parse(r.evidence) as Evidence, platform: r.platform as Platform, status: r.status, enrolledAt: r.enrolled_at,
  lastSeenAt: r.last_seen_at, revokedAt: r.revoked_at, revokedReason: r.revoked_reason, keyStorage: r.key_storage,
});
export const toTester = (r: TesterRow): TesterRecord => ({ email: r.email, status: r.status, createdAt: r.created_at, devices: Number(r.devices) });
export const toRelease = (r: ReleaseRow): AdmittedBuild => ({
  buildId: r.build_id, kid: r.kid, version: r.version, platform: r.platform as AdmittedBuild['platform'], arch: r.arch as AdmittedBuild['arch'], createdAt: r.created_at,
});
export const toAudit = (r: AuditDbRow): AuditEntry => ({
  seq: Number(r.seq), time: r.time, type: r.type, actor: r.actor, subject: r.subject, details: r.details, prevHash: r.prev_hash, hash: r.hash,
});

/** An audit query's parameters with absent filters as null (both stores' SQL tests `IS NULL`). */
export const auditQueryParams = (query: AuditQuery) => ({
  before: query.beforeSeq ?? Number.MAX_SAFE_INTEGER,
  limit: query.limit,
  type: query.typePrefix ?? null,
  text: query.text ?? null,
  since: query.since ?? null,
  until: query.until ?? null,
});
export interface LockRow { id: string; target_kind: LockRecord['targetKind']; target: string; message: string | null; note: string | null; wipe_history: number | boolean; created_at: string; created_by: string; expires_at: string | null; removed_at: string | null; removed_by: string | null }
export const toLock = (r: LockRow): LockRecord => ({
  id: r.id, targetKind: r.target_kind, target: r.target, message: r.message, note: r.note, wipeHistory: r.wipe_history === true || r.wipe_history === 1, createdAt: r.created_at, createdBy: r.created_by,
  expiresAt: r.expires_at, removedAt: r.removed_at, removedBy: r.removed_by,
});
