import { AirlockError } from '../../protocol/errors.js';
import { parseInviteLink } from '../../protocol/invite/link.js';
import type { AirlockClient, ChatDelta } from '../core/api.js';
import { EventChannel, InvokeChannel } from './contract.js';
import type { ApiResult, EventPayload, InputOf, OutputOf } from './contract.js';
import { ok, toFailure } from './failure.js';
import type { Confirmations } from './confirmations.js';
import type { PendingInvites } from './pending-invites.js';
import { clipboardText, type Clipboard } from './clipboard-text.js';

/**
 * The API's behaviour, apart from any transport: the Electron IPC wrapper and the dev-only
 * browser preview both call these after their own sender checks and the zod parse.
 */
export interface CallContext {
  /** One renderer (a window's webContents, a preview page): its chat streams belong to it. */
  callerId: string;
  send<E extends EventChannel>(channel: E, payload: EventPayload[E]): void;
}

export type Handler<C extends InvokeChannel> = (input: InputOf<C>, context: CallContext) => Promise<ApiResult<OutputOf[C]>>;
export type Handlers = { [C in InvokeChannel]: Handler<C> };

export interface ApiService {
  handlers: Handlers;
  /** Cancels the streams of a renderer that went away. */
  closeCaller(callerId: string): void;
  openStreams(): number;
}

async function attempt<T>(work: () => Promise<T> | T): Promise<ApiResult<T>> {
  try {
    return ok(await work());
  } catch (error) {
    return toFailure(error);
  }
}

const INVITE_IN_TEXT = /airlock:\/\/enroll\?/i;
/** An invite link holds a one-time code: it never goes to the model, whatever the renderer sends. */
const INVITE_NOT_SENT = 'That message holds an invite link, so it was not sent. Use the link to enroll instead.';

/** A `no` from main's confirmation (or one already open): nothing was made, nothing spent. */
function notConfirmed(message: string): ApiResult<never> {
  return { ok: false, code: 'not_confirmed', message };
}

export function createApiService(deps: { client: AirlockClient; invites: PendingInvites; confirm: Confirmations; clipboard?: Clipboard }): ApiService {
  const { client, invites, confirm } = deps;
  // One decision at a time: a second enroll or sign-out while a dialog is open is refused, not stacked.
  let deciding = false;
  async function decided<T>(ask: () => Promise<boolean>, refusal: string, work: () => Promise<T>): Promise<ApiResult<T>> {
    if (deciding) return notConfirmed('Another confirmation is already open. Answer it first.');
    deciding = true;
    let yes: boolean;
    try {
      yes = await ask();
    } finally {
      deciding = false;
    }
    return yes ? attempt(work) : notConfirmed(refusal);
  }
  const { conversations } = client;
  const streams = new Map<string, AbortController>();
  const key = (callerId: string, streamId: string) => `${callerId}\u0000${streamId}`;

  async function pump(input: InputOf<InvokeChannel.ChatStart>, context: CallContext, controller: AbortController): Promise<void> {
    const emit = (delta: ChatDelta) => context.send(EventChannel.ChatDelta, { streamId: input.streamId, delta });
    let ended = false;
    try {
      for await (const delta of client.chat({ model: input.model, messages: input.messages }, controller.signal)) {
        if (ended) break;
        emit(delta);
        if (delta.type !== 'delta') ended = true;
      }
    } catch (error) {
      if (!ended) {
        const failure = toFailure(error);
        emit({ type: 'error', code: asChatCode(failure.code), message: failure.message });
        ended = true;
      }
    } finally {
      // Whatever happened, the renderer hears exactly one end.
      if (!ended) {
        emit(controller.signal.aborted
          ? { type: 'error', code: 'cancelled', message: 'Stopped.' }
          : { type: 'error', code: 'network_error', message: 'The answer ended early. Try again.' });
      }
      streams.delete(key(context.callerId, input.streamId));
    }
  }

  const handlers: Handlers = {
    [InvokeChannel.GetState]: () => attempt(() => client.state()),
    [InvokeChannel.CurrentInvite]: () => attempt(() => invites.current()),
    [InvokeChannel.FinishInvite]: (input) => attempt(() => invites.finish(input.link)),
    [InvokeChannel.AcknowledgeRevocation]: () => attempt(() => invites.acknowledgeRevocation()),
    [InvokeChannel.PreviewInvite]: (input) => attempt(() => client.previewInvite(input.link)),
    [InvokeChannel.Enroll]: async (input) => {
      // What the dialog shows comes from the link main was handed, parsed here: never from the renderer's screen.
      const parsed = await attempt(() => parseInviteLink(input.link));
      if (!parsed.ok) return parsed;
      const { gateway, pins } = parsed.value;
      const now = client.state();
      const replaces = now.kind === 'enrolled' ? now.gateway : null;
      return decided(
        () => confirm.enrollment({ gateway, host: new URL(gateway).host, pins, replaces }),
        'Enrollment cancelled: no key was made and the invite was not used.',
        async () => {
          // Enrolling again from an enrolled device signs it out there first (the dialog said so).
          if (replaces !== null) await client.signOut();
          return client.enroll(input.link);
        },
      );
    },
    [InvokeChannel.ListModels]: () => attempt(() => client.listModels()),
    [InvokeChannel.ChatStart]: async (input, context) => {
      if (INVITE_IN_TEXT.test(JSON.stringify(input.messages))) return { ok: false, code: 'invalid_input', message: INVITE_NOT_SENT };
      const id = key(context.callerId, input.streamId);
      if (streams.has(id)) return { ok: false, code: 'invalid_input', message: 'That stream is already open.' };
      const controller = new AbortController();
      streams.set(id, controller);
      void pump(input, context, controller);
      return ok(null);
    },
    [InvokeChannel.ChatCancel]: async (input, context) => {
      streams.get(key(context.callerId, input.streamId))?.abort();
      return ok(null);
    },
    [InvokeChannel.DeviceStatus]: () => attempt(() => client.deviceStatus()),
    [InvokeChannel.SignOut]: async (input) => {
      const now = client.state();
      const work = async () => {
        await client.signOut(input);
        return null;
      };
      if (now.kind !== 'enrolled') return attempt(work);
      return decided(() => confirm.signOut({ gateway: now.gateway, localOnly: input?.localOnly === true }), 'Sign-out cancelled: nothing was deleted.', work);
    },
    [InvokeChannel.ConversationsList]: () => attempt(() => conversations.listAfterRead()),
    [InvokeChannel.ConversationGet]: (input) => attempt(() => {
      const conversation = conversations.get(input.id);
      if (conversation === null) throw new AirlockError('not_found', 'That conversation is gone. Start a new chat.');
      return conversation;
    }),
    [InvokeChannel.ConversationCreate]: () => attempt(() => conversations.create()),
    [InvokeChannel.ConversationSend]: async (input) => {
      if (INVITE_IN_TEXT.test(input.text)) return { ok: false, code: 'invalid_input', message: INVITE_NOT_SENT };
      return attempt(() => conversations.send(input));
    },
    [InvokeChannel.ConversationStop]: (input) => attempt(() => {
      conversations.stop(input.conversationId);
      return null;
    }),
    [InvokeChannel.ClipboardWrite]: async (input) => {
      const clipboard = deps.clipboard;
      if (clipboard === undefined) return { ok: false, code: 'clipboard_unavailable', message: 'Copying is not available here.' };
      return attempt(async () => {
        const copy = clipboardText(input.text, client.state(), new Date());
        await clipboard.writeText(copy.text);
        return { watermarked: copy.watermarked };
      });
    },
  };

  return {
    handlers,
    closeCaller(callerId) {
      for (const [id, controller] of streams) if (id.startsWith(`${callerId}\u0000`)) controller.abort();
    },
    openStreams: () => streams.size,
  };
}

type ChatErrorCode = Extract<ChatDelta, { type: 'error' }>['code'];
/** Codes outside a chat delta's set read as a failed connection; the message still says what happened. */
function asChatCode(code: string): ChatErrorCode {
  return code === 'invalid_input' || code === 'sender_refused' || code === 'not_enrolled' || code === 'internal_error' || code === 'keychain_unavailable' || code === 'tpm_unavailable' || code === 'clipboard_unavailable'
    ? 'network_error'
    : (code as ChatErrorCode);
}
