import { z } from 'zod';
import { chatMessage } from '../../protocol/schemas/chat.js';
import type { ChatMessage } from '../../protocol/schemas/chat.js';
import type { ChatDelta, ClientState, DeviceStatus, InvitePreview, ModelInfo } from '../core/api.js';
import type { ClientErrorCode } from '../core/errors.js';
import { conversationId, MAX_TURN_CHARS } from '../core/conversations/types.js';
import type { Conversation, ConversationChange, ConversationSummary } from '../core/conversations/types.js';

/**
 * The one contract between the renderer and the main process (or the dev-only browser preview,
 * which implements the same API over loopback). Nothing here carries a secret: no key, no token,
 * and an invite link only until it is redeemed.
 */

export type { ChatDelta, ClientState, DeviceStatus, InvitePreview, ModelInfo } from '../core/api.js';
export type { AnswerTurn, Conversation, ConversationChange, ConversationSummary, HistoryStatus, Turn, UserTurn } from '../core/conversations/types.js';

/** Refusals raised by the bridge itself, besides the client core's codes. */
/** `not_confirmed`: main asked the tester (a native dialog) and the answer was no: nothing was spent. */
export type BridgeErrorCode = 'invalid_input' | 'sender_refused' | 'not_enrolled' | 'internal_error' | 'clipboard_unavailable' | 'not_confirmed';
export type ApiErrorCode = ClientErrorCode | BridgeErrorCode;

/** Handlers answer with a value or a refusal, never by throwing: IPC keeps only an error's message. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; code: ApiErrorCode; message: string };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
}

/** What `window.airlock` offers. Each method is fixed to one channel below. */
export interface AirlockApi {
  /** The client state now; later changes arrive through `onState`. */
  getState(): Promise<ApiResult<ClientState>>;
  onState(listener: (state: ClientState) => void): () => void;
  /**
   * The invite link main wants on the enroll screen now (from a deep link, a second instance or the
   * start script), or null. Main queues a link that arrives while another is shown, and shows none
   * after a revocation until `acknowledgeRevocation`.
   */
  currentInvite(): Promise<ApiResult<string | null>>;
  /** The tester is done with that link (enrolled, cancelled, refused); answers the next one, or null. */
  finishInvite(link: string): Promise<ApiResult<string | null>>;
  /** The tester has read the revoked screen and asks to enroll again; answers the link to show, or null. */
  acknowledgeRevocation(): Promise<ApiResult<string | null>>;
  /** A link that became current while the app runs (never one replacing another), validated by main. */
  onInviteLink(listener: (link: string) => void): () => void;
  /** What a link would enroll with (origin and pins), once its gateway answered a challenge (nothing spent). */
  previewInvite(link: string): Promise<ApiResult<InvitePreview>>;
  /** Main asks the tester first (native dialog: origin and pin); a `no` is `not_confirmed` and spends nothing. */
  enroll(link: string): Promise<ApiResult<ClientState>>;
  listModels(): Promise<ApiResult<ModelInfo[]>>;
  /**
   * Streams an answer into `onDelta`, which always ends with one `done` or `error` delta.
   * Returns a function that cancels the stream (the last delta is then an `error` with `cancelled`).
   */
  chat(request: ChatRequest, onDelta: (delta: ChatDelta) => void): () => void;
  deviceStatus(): Promise<ApiResult<DeviceStatus>>;
  /**
   * Retires this device at the gateway, then deletes its key, conversations and local data. When
   * the gateway cannot be reached nothing is deleted (`network_error`) unless `localOnly` is set.
   * Main asks the tester first (native dialog); a `no` is `not_confirmed` and deletes nothing.
   */
  signOut(options?: { localOnly: boolean }): Promise<ApiResult<null>>;
  /** The conversations main keeps, most recently used first. */
  listConversations(): Promise<ApiResult<ConversationSummary[]>>;
  getConversation(id: string): Promise<ApiResult<Conversation>>;
  newConversation(): Promise<ApiResult<Conversation>>;
  /** Main adds the message and streams the answer into the conversation; changes arrive through `onConversationChange`. */
  sendMessage(input: { conversationId: string; model: string; text: string }): Promise<ApiResult<Conversation>>;
  stopAnswer(conversationId: string): Promise<ApiResult<null>>;
  onConversationChange(listener: (change: ConversationChange) => void): () => void;
  /** Copies through main's clipboard; with the watermark policy on, the copy names the tester, device and time. */
  copyText(text: string): Promise<ApiResult<{ watermarked: boolean }>>;
}

import { InvokeChannel } from './channels.js';
import type { EventChannel } from './channels.js';
export { CHANNEL_PREFIX, EventChannel, InvokeChannel } from './channels.js';

const link = z.string().min(1).max(4096);
const streamId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a short stream id');

/** One schema per invoke channel: the whole input main accepts. Unknown fields are refused. */
export const inputSchemas = {
  [InvokeChannel.GetState]: z.undefined(),
  [InvokeChannel.CurrentInvite]: z.undefined(),
  [InvokeChannel.FinishInvite]: z.strictObject({ link }),
  [InvokeChannel.AcknowledgeRevocation]: z.undefined(),
  [InvokeChannel.PreviewInvite]: z.strictObject({ link }),
  [InvokeChannel.Enroll]: z.strictObject({ link }),
  [InvokeChannel.ListModels]: z.undefined(),
  [InvokeChannel.ChatStart]: z.strictObject({
    streamId,
    model: z.string().min(1).max(200),
    messages: z.array(chatMessage).min(1).max(500),
  }),
  [InvokeChannel.ChatCancel]: z.strictObject({ streamId }),
  [InvokeChannel.DeviceStatus]: z.undefined(),
  [InvokeChannel.SignOut]: z.strictObject({ localOnly: z.boolean() }).optional(),
  [InvokeChannel.ConversationsList]: z.undefined(),
  [InvokeChannel.ConversationGet]: z.strictObject({ id: conversationId }),
  [InvokeChannel.ConversationCreate]: z.undefined(),
  [InvokeChannel.ConversationSend]: z.strictObject({
    conversationId,
    model: z.string().min(1).max(200),
    text: z.string().min(1).max(MAX_TURN_CHARS),
  }),
  [InvokeChannel.ConversationStop]: z.strictObject({ conversationId }),
  [InvokeChannel.ClipboardWrite]: z.strictObject({ text: z.string().min(1).max(MAX_TURN_CHARS) }),
} as const satisfies Record<InvokeChannel, z.ZodType>;

export type InputOf<C extends InvokeChannel> = z.infer<(typeof inputSchemas)[C]>;

/** What each invoke channel answers with (inside `ApiResult`). */
export interface OutputOf {
  [InvokeChannel.GetState]: ClientState;
  [InvokeChannel.CurrentInvite]: string | null;
  [InvokeChannel.FinishInvite]: string | null;
  [InvokeChannel.AcknowledgeRevocation]: string | null;
  [InvokeChannel.PreviewInvite]: InvitePreview;
  [InvokeChannel.Enroll]: ClientState;
  [InvokeChannel.ListModels]: ModelInfo[];
  [InvokeChannel.ChatStart]: null;
  [InvokeChannel.ChatCancel]: null;
  [InvokeChannel.DeviceStatus]: DeviceStatus;
  [InvokeChannel.SignOut]: null;
  [InvokeChannel.ConversationsList]: ConversationSummary[];
  [InvokeChannel.ConversationGet]: Conversation;
  [InvokeChannel.ConversationCreate]: Conversation;
  [InvokeChannel.ConversationSend]: Conversation;
  [InvokeChannel.ConversationStop]: null;
  [InvokeChannel.ClipboardWrite]: { watermarked: boolean };
}

/** Payloads of main → renderer events. */
export interface EventPayload {
  [EventChannel.State]: ClientState;
  [EventChannel.InviteLink]: string;
  [EventChannel.ChatDelta]: { streamId: string; delta: ChatDelta };
  [EventChannel.ConversationChanged]: ConversationChange;
}

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && value.startsWith('airlock:') && (Object.values(InvokeChannel) as string[]).includes(value);
}
