import { z } from 'zod';
import { email } from './common.js';
import type { ConnectedDevice, DeviceDetail } from './admin.js';

/**
 * The admin console's HTTP API (docs/PROTOCOL.md, "Admin console"): JSON over the console's own
 * loopback listener, never the testers' port. Request bodies and queries are parsed with these
 * schemas by the gateway; the answers are typed here for console/, which imports only types.
 */

const reason = z.string().trim().min(1).max(500);
const note = z.string().trim().min(1).max(2000);
const text = z.string().max(200);

export const consoleLoginBody = z.strictObject({ secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a console login secret') });
/** Revoke, suspend: `reason` is shown to the tester, `note` stays in the audit log. */
export const consoleReasonBody = z.strictObject({ reason: reason.optional(), note: note.optional() });
export const consoleNoteBody = z.strictObject({ note: note.optional() });
/** Lock a tester or device: no `ttlSeconds` means until removed; `message` is shown to the tester. */
export const consoleLockBody = z.strictObject({ ttlSeconds: z.number().int().positive().max(365 * 86_400).optional(), message: reason.optional(), note: note.optional(), wipeHistory: z.literal(true).optional() });
export const consoleInviteBody = z.strictObject({
  email,
  expiresInSeconds: z.number().int().positive().max(365 * 86_400),
  devices: z.number().int().min(1).max(100),
});

export const consoleAuditQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  type: text.optional(),
  text: text.optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const usagePeriod = z.enum(['24h', '7d', '30d']);
export const consoleUsageQuery = z.strictObject({ since: usagePeriod.default('7d'), by: z.enum(['tester', 'model', 'day', 'device']).default('tester') });

export interface ConsoleError {
  error: { code: string; message: string };
}

export interface ConsoleSessionInfo {
  osUser: string;
  csrf: string;
}

export interface ConsoleOverview {
  connectedDevices: number;
  openStreams: number;
  openChannels: number;
  devices: { active: number; revoked: number };
  testers: number;
  hours: { start: string; requests: number; tokens: number }[];
  refusals: { code: string; count: number }[];
  /** What `status` answers for the 50 longest-connected devices now, longest connected first. */
  connected: ConnectedDevice[];
  audit: { head: { seq: number; hash: string; time: string } | null; lastVerify: ConsoleVerify | null };
}

export interface ConsoleVerify {
  at: string;
  ok: boolean;
  entries: number;
  firstBad: number | null;
  reason: string | null;
  head: string | null;
}

/** Rows of `status`, locks and `device show`, as the admin operations answer them. */
export type { ConnectedDevice as ConsoleConnectedDevice, DeviceDetail as ConsoleDeviceDetail, LockView as ConsoleLock } from './admin.js';

export interface ConsoleDeviceRow {
  id: string;
  tester: string;
  status: string;
  platform: string;
  enrolledAt: string;
  lastSeenAt: string | null;
  channels: number;
  streams: number;
  /** A lock holds on the device or its tester. */
  locked: boolean;
}

export interface ConsoleAuditEntry {
  seq: number;
  time: string;
  type: string;
  actor: string;
  subject: string;
  details: unknown;
  prevHash: string;
  hash: string;
}

export interface ConsoleDevicePage {
  device: DeviceDetail;
  /** The tester's status (a suspended tester can be resumed). */
  testerStatus: string;
  history: ConsoleAuditEntry[];
}

export interface ConsoleTesterRow {
  email: string;
  status: string;
  devices: number;
  connectedDevices: number;
  /** The last 7 days, as `tester list` shows them. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** The lock holding on the tester, if any. */
  lock: { id: string; message: string | null; expiresAt: string | null } | null;
}

export interface ConsoleInviteRow {
  id: string;
  email: string;
  status: string;
  expiresAt: string;
  devices: number;
}

export interface ConsoleInviteCreated {
  id: string;
  link: string;
  expiresAt: string;
  /** The message to send the tester, ready to paste. */
  message: string;
  /** The link as a QR code, an SVG data: URL. */
  qr: string;
}

export interface ConsoleUsage {
  since: string;
  by: 'tester' | 'model' | 'day' | 'device';
  rows: { key: string; requests: number; promptTokens: number; completionTokens: number; refusals: number; cut: number }[];
}

export interface ConsolePolicy {
  policy: unknown;
  source: string;
}

export interface ConsoleAuditPage {
  entries: ConsoleAuditEntry[];
  /** Pass as `before` for the next (older) page; null at the start of the log. */
  next: number | null;
}

/** The live connection counts (the overview's cards). */
export interface ConsoleCounts {
  connectedDevices: number;
  openStreams: number;
  openChannels: number;
}

/**
 * The server-sent events of `GET /api/events` (docs/PROTOCOL.md, "Admin console"). Pushed when
 * the change happens, not found by polling: `hello` once when the stream opens; `connections` when
 * devices connect or disconnect; `device` when a device is revoked (its new state, so an open page
 * shows it without asking); `change` when anything else changed (pages reload what they show);
 * `session_ended` before the stream closes at logout or expiry.
 */
export interface ConsoleHello extends ConsoleCounts {
  auditSeq: number;
}

export interface ConsoleConnections extends ConsoleCounts {
  /** The devices whose connections changed, with what they hold now. */
  devices: { id: string; channels: number; streams: number }[];
}

export interface ConsoleDeviceChange {
  id: string;
  status: DeviceDetail['status'];
  channels: number;
  streams: number;
}

export interface ConsoleChange {
  /** The audit log's head when known (0: not read). */
  auditSeq: number;
  /** What changed: the admin operation (`lock.create`, ...) or `audit` (new entries written elsewhere). */
  what: string;
}
