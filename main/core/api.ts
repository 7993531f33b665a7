import type { ErrorCode } from '../../protocol/errors.js';
import type { ClientPolicy } from '../../protocol/schemas/policy.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { ChatMessage, Usage } from '../../protocol/schemas/chat.js';
import type { Conversations } from './conversations/conversations.js';
import type { ClientErrorCode } from './errors.js';
import type { HistoryStatus } from './conversations/types.js';

/**
 * What the client core offers the Electron shell (and, through it, the renderer). Nothing here
 * carries a secret: no private key, no access token, no invite code after enrollment.
 */
export type ClientState =
  /** The desktop shell's window is up while the client is still being made (shell/starting-client.ts). */
  | { kind: 'starting' }
  /** The client could not be made at all; the message says what to do. */
  | { kind: 'start-failed'; message: string }
  | { kind: 'not-enrolled' }
  | { kind: 'enrolling'; step: 'challenge' | 'attest' | 'enroll' | 'session' }
  | { kind: 'enrolled'; gateway: string; deviceId: string; tester: string; policy: ClientPolicy; sessionExpiresAt: string | null; connected: boolean }
  | { kind: 'revoked'; gateway: string; reason: string; code: 'device_revoked' | 'tester_suspended' | 'key_moved'; at: string }
  /**
   * An admin locked this device or its tester for now (issue 13): the key stays, and the app opens a
   * session again when the lock ends (`until`, or an admin lifts it: null). `history`: whether the
   * conversations are kept, or (a lock that says so) being deleted, deleted, or could not be.
   */
  | { kind: 'locked'; gateway: string; tester: string; message: string | null; until: string | null; history: LockedHistory }
  | { kind: 'error'; code: ClientErrorCode; message: string };

/** The chat history while a lock holds: kept, or deleted because the admin's lock asked for it. */
export type LockedHistory = 'kept' | 'deleting' | 'deleted' | 'delete-failed';

export interface InvitePreview {
  gateway: string;
  host: string;
  pins: string[];
}

export interface ModelInfo {
  id: string;
  demo: boolean;
}

/** `model` is what the upstream's answer names (each chunk's `model`), never what was asked for. */
export type ChatDelta =
  | { type: 'delta'; content: string; model?: string }
  | { type: 'done'; finishReason: string | null; usage: Usage | null; model?: string }
  | { type: 'error'; code: ErrorCode | 'network_error' | 'cancelled'; message: string; retryAfter?: number };

export interface DeviceStatus {
  gateway: string;
  deviceId: string;
  tester: string;
  pins: string[];
  /** What the gateway was told at the last session. */
  evidence: Evidence;
  sessionExpiresAt: string | null;
  /** DESIGN.md trust levels, said plainly. */
  trustLevel: { keyStorage: Evidence['keyStorage']; summary: string };
  policy: ClientPolicy;
  /** What the app does with conversations now, as it does it (not merely what the policy asks). */
  history: HistoryStatus;
}

export interface AirlockClient {
  state(): ClientState;
  /** Called on every state change; returns an unsubscribe function. */
  onState(listener: (state: ClientState) => void): () => void;
  /**
   * Parses a link and asks its gateway for a challenge over the link's pins (a nonce: nothing is
   * spent), then says what it would enroll with. Refuses a link for another gateway, a wrong pin,
   * and a used, expired or revoked invite here, before any confirmation.
   */
  previewInvite(link: string): Promise<InvitePreview>;
  enroll(link: string): Promise<ClientState>;
  listModels(): Promise<ModelInfo[]>;
  /** A streamed answer as deltas; ends with `done` or `error`. Aborting the signal cancels upstream. */
  chat(request: { model: string; messages: ChatMessage[] }, signal?: AbortSignal): AsyncIterable<ChatDelta>;
  deviceStatus(): Promise<DeviceStatus>;
  /**
   * Retires this device at the gateway (`POST /v1/device/retire`), then deletes its key, history and
   * local data. When the gateway cannot be reached it throws `network_error` and deletes nothing,
   * unless `localOnly` says to wipe this computer anyway.
   */
  signOut(options?: { localOnly?: boolean }): Promise<void>;
  /** The tester's conversations with this gateway, kept in main. */
  readonly conversations: Conversations;
  close(): Promise<void>;
}
