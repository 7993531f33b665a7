import type { Evidence, Platform } from '../../protocol/schemas/evidence.js';
import type { EcPublicJwk } from '../../protocol/schemas/common.js';
import type { AdmittedBuild } from '../release/admit-manifest.js';
import type { AuditAnchor } from '../audit/chain.js';
import type { AnswerTrace, HolderCount, TraceHolding } from '../tracing/trace-records.js';

/**
 * The gateway's durable state behind one ASYNC interface: SQLite here (sqlite-store.ts), PostgreSQL
 * for several instances later, with the same methods. No caller may rely on an implementation
 * being synchronous. Every method that changes state takes the audit entry describing the change
 * and commits both in one transaction, so the log and the state never disagree.
 */

export type InviteStatus = 'pending' | 'used' | 'expired' | 'revoked';
/** `retired`: its tester signed out of it (POST /v1/device/retire); refused like a revoked device. */
export type DeviceStatusValue = 'active' | 'revoked' | 'retired';
export type TesterStatus = 'active' | 'suspended';

export interface InviteRecord {
  id: string;
  email: string;
  /** b64u SHA-256 of the invite code; the code itself is never stored. */
  codeHash: string;
  createdAt: string;
  expiresAt: string;
  deviceLimit: number;
  devicesUsed: number;
  /** As stored: `pending`, `used` (device limit reached) or `revoked`; expiry is judged by the reader. */
  status: 'pending' | 'used' | 'revoked';
}

export interface TesterRecord {
  email: string;
  status: TesterStatus;
  createdAt: string;
  /** Devices of this tester, any status. */
  devices: number;
}

export interface DeviceRecord {
  id: string;
  tester: string;
  inviteId: string;
  publicJwk: EcPublicJwk;
  /** RFC 7638 thumbprint of `publicJwk`. */
  jkt: string;
  /** The evidence sent at enrollment (machineIdHash included: a later change means the key moved). */
  evidence: Evidence;
  platform: Platform;
  status: DeviceStatusValue;
  enrolledAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  /**
   * The key storage the gateway VERIFIED at enrollment (issue 18): `tpm` only on a TPM proof
   * (gateway/tpm-attestation/); the evidence's `keyStorage` is the app's claim and counts for nothing.
   */
  keyStorage: 'keychain' | 'tpm';
}

/**
 * A lock (issue 13): refuses a tester's or one device's sessions until it ends (`expiresAt`, or
 * removed). Unlike a revocation the device keeps its key. `message` is shown to the tester;
 * `note` stays in the audit log and the admin's listing.
 */
export interface LockRecord {
  id: string;
  targetKind: 'tester' | 'device';
  /** An email (tester) or a device id. */
  target: string;
  message: string | null;
  note: string | null;
  /** The admin asked the app to delete its chat history (file and key) when the lock reaches it. */
  wipeHistory: boolean;
  createdAt: string;
  createdBy: string;
  /** null: until removed. */
  expiresAt: string | null;
  removedAt: string | null;
  removedBy: string | null;
}
export type NewLock = Pick<LockRecord, 'id' | 'targetKind' | 'target' | 'message' | 'note' | 'wipeHistory' | 'expiresAt' | 'createdBy'>;

/** What a caller gives for an audit entry; seq, time and hashes are the store's. */
export interface AuditInput {
  type: string;
  /** Who acted: `admin`, `device:<id>`, `client:<address>`, `gateway`. */
  actor: string;
  /** What it acted on: a device id, an email, an invite id, a model. */
  subject: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  time: string;
  type: string;
  actor: string;
  subject: string;
  /** Canonical JSON (sorted keys) of the details, exactly as hashed. */
  details: string;
  prevHash: string;
  hash: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  entries: number;
  /** seq of the first entry that does not verify, or null. */
  firstBad: number | null;
  reason: string | null;
  /** The last entry that verified: kept off the host, it is the anchor a later verify checks. */
  head: AuditAnchor | null;
}

/** A page of the audit log, newest first (the console's audit view and its 24 h figures). */
export interface AuditQuery {
  /** Keyset paging: only entries with a smaller seq (the last seq of the previous page). */
  beforeSeq?: number;
  limit: number;
  /** Entries whose type starts with this (`admin.`, `model.call`). */
  typePrefix?: string;
  /** Entries whose actor, subject or details contain this text (a tester's email, a device id). */
  text?: string;
  /** ISO times: `since` inclusive, `until` exclusive. */
  since?: string;
  until?: string;
}

export interface NewInvite {
  id: string;
  email: string;
  codeHash: string;
  expiresAt: string;
  deviceLimit: number;
}

export interface NewDevice {
  id: string;
  publicJwk: EcPublicJwk;
  jkt: string;
  evidence: Evidence;
  /** Verified key storage (DeviceRecord.keyStorage); absent: `keychain`. */
  keyStorage?: 'keychain' | 'tpm';
}

/** Why an enrollment was refused inside its transaction (the codes of PROTOCOL.md). */
export type EnrollRefusal =
  | 'invite_invalid'
  | 'invite_expired'
  | 'invite_used'
  | 'invite_revoked'
  | 'device_limit'
  | 'tester_suspended'
  | 'attestation_invalid';

export type EnrollOutcome = { ok: true; device: DeviceRecord } | { ok: false; code: EnrollRefusal; message: string };

/** An audit entry in the chain, with the promise of its fsync (Store.appendAuditWritten). */
export interface WrittenEntry {
  durable: Promise<void>;
}

export interface Store {
  // Invites
  createInvite(invite: NewInvite, audit: AuditInput): Promise<InviteRecord>;
  getInvite(id: string): Promise<InviteRecord | null>;
  findInviteByCodeHash(codeHash: string): Promise<InviteRecord | null>;
  listInvites(): Promise<InviteRecord[]>;
  /** null when there is no such invite; otherwise the invite after the change. */
  revokeInvite(id: string, audit: AuditInput): Promise<InviteRecord | null>;

  // Enrollment challenges: single use, bound to an invite, short-lived.
  createChallenge(challenge: { nonce: string; inviteId: string; expiresAt: number }): Promise<void>;
  /**
   * Deletes a challenge an enrollment attempt named but never reached enrollDevice with (its
   * attestation or evidence was refused first): a nonce is good for one attempt, whatever its outcome.
   */
  discardChallenge(nonce: string): Promise<void>;

  /**
   * Consumes the challenge, re-checks the invite and tester, creates the tester if new, records the
   * device, counts it on the invite and appends the audit entry, all in one transaction, so two
   * racing enrollments cannot both take the last place on an invite.
   */
  enrollDevice(input: { challengeNonce: string; codeHash: string; device: NewDevice; now: number }, audit: (device: DeviceRecord) => AuditInput): Promise<EnrollOutcome>;

  // Devices and testers
  getDevice(id: string): Promise<DeviceRecord | null>;
  listDevices(): Promise<DeviceRecord[]>;
  /** Records when a device was last seen; callers throttle this (at most once a minute per device). */
  touchDevice(id: string, at: string): Promise<void>;
  /** null when there is no such device. `changed` is false when it was already revoked. */
  revokeDevice(id: string, reason: string, audit: AuditInput): Promise<{ device: DeviceRecord; changed: boolean } | null>;
  /**
   * Marks an active device `retired` (its tester signed out of it) with the audit entry, in one
   * transaction; null when there is no such device, `changed` false when it was not active.
   */
  retireDevice(id: string, audit: AuditInput): Promise<{ device: DeviceRecord; changed: boolean } | null>;
  getTester(email: string): Promise<TesterRecord | null>;
  listTesters(): Promise<TesterRecord[]>;
  /** Lifts a suspension (devices revoked by it stay revoked: a new invite enrolls); null when unknown, `changed` false when not suspended. */
  resumeTester(email: string, audit: AuditInput): Promise<{ tester: TesterRecord; changed: boolean } | null>;
  /** Suspends the tester and revokes every active device of theirs; null when unknown. */
  suspendTester(email: string, reason: string, audit: AuditInput): Promise<{ tester: TesterRecord; devicesRevoked: string[] } | null>;

  // Locks (issue 13): state and audit entry in one transaction, as every change.
  createLock(lock: NewLock, audit: AuditInput): Promise<LockRecord>;
  /** Locks not removed, oldest first; whether one has expired is judged by the reader. */
  listLocks(): Promise<LockRecord[]>;
  /** null when there is no such lock; `changed` false when it was already removed. */
  removeLock(id: string, removedBy: string, audit: AuditInput): Promise<{ lock: LockRecord; changed: boolean } | null>;

  // Audit log (append-only hash chain)
  /** Entries of these types at or after `since` (ISO time), oldest first, of one actor when given: what `usage` sums. */
  auditSince(since: string, types: readonly string[], actor?: string): Promise<AuditEntry[]>;
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /**
   * Same chain and durability as appendAudit (resolves once committed and fsync'd), for entries
   * off the request path such as model calls: the SQLite store writes those of one event-loop turn
   * in one transaction and fsyncs them off the event loop (group commit); PostgreSQL is async already.
   */
  appendAuditDeferred(entry: AuditInput): Promise<AuditEntry>;
  /**
   * For a model call's start record, which the answer waits for: resolves once the entry is in the
   * chain and would survive the gateway process dying (SQLite: written to the WAL, not yet fsync'd;
   * PostgreSQL: committed; SQLite writes what one event-loop turn asked for in one transaction);
   * `durable` resolves once it would survive a power loss too (SQLite: the
   * group fdatasync that follows at once). See gateway/model/chat-call.ts for why that is enough.
   */
  appendAuditWritten(entry: AuditInput): Promise<WrittenEntry>;
  auditTail(n: number): Promise<AuditEntry[]>;
  /** The entry with this sequence number, or null (the CLI checks an admin answer's proof with it). */
  auditEntry(seq: number): Promise<AuditEntry | null>;
  /** Filtered entries, newest first, at most `limit`. */
  auditQuery(query: AuditQuery): Promise<AuditEntry[]>;
  /** Walks the whole chain, streaming; names the first entry that does not verify. */
  /** Walks the whole chain; with an anchor, also checks that the anchored entry is still there, unchanged. */
  auditVerify(anchor?: AuditAnchor): Promise<AuditVerifyResult>;

  // Usage, for per-tester limits (issue 4)
  addTokenUsage(tester: string, tokens: number, at: Date): Promise<void>;
  /** Tokens used by the tester on the UTC day of `at`. */
  tokensUsedToday(tester: string, at: Date): Promise<number>;

  // Admitted releases (issue 7): builds of verified release manifests, for `requireTrustedBuild`.
  /**
   * Records the builds a verified manifest admits (kept with the signed manifest, so they can be
   * re-verified) and the audit entry, in one transaction. Re-adding a build under the same key
   * changes nothing; `added` counts the builds that are new.
   */
  addRelease(release: { manifest: string; builds: readonly AdmittedBuild[] }, audit: AuditInput): Promise<{ added: number }>;
  /** Every admitted build, oldest first; a build signed by two keys appears once per key. */
  listReleases(): Promise<AdmittedBuild[]>;

  // Leak tracing (issue 17, gateway/tracing/): fingerprints of answers, never their text.
  /** Stores answers' fingerprints and who they went to, in one transaction; a call traced twice keeps the first. */
  addTraces(traces: readonly AnswerTrace[]): Promise<void>;
  /** Every (fingerprint, call) pair for these fingerprints. */
  traceHolders(fingerprints: readonly number[]): Promise<TraceHolding[]>;
  /** How many calls hold each of these fingerprints (those no call holds are left out). */
  traceHolderCounts(fingerprints: readonly number[]): Promise<HolderCount[]>;
  /** Deletes the traces made before `cutoff` (ISO time); returns how many calls went. */
  deleteTracesBefore(cutoff: string): Promise<number>;
  /**
   * The check value of the trace key the stored fingerprints are made under
   * (tracing/trace-key-check.ts): stores `check` when none is stored yet, returns the stored one.
   */
  claimTraceKeyCheck(check: string): Promise<string>;

  close(): Promise<void>;

  /** How many devices (and how many of them active) and testers there are: the console's overview counts without reading every record. */
  enrolmentCounts(): Promise<EnrolmentCounts>;
}

export interface EnrolmentCounts {
  devices: number;
  activeDevices: number;
  testers: number;
}

/** The reason a retired device carries (its tester signed out of it). */
export const RETIRED_REASON = 'signed out by its tester';
