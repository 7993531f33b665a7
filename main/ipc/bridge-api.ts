import { EventChannel, InvokeChannel } from './channels.js';
import type { AirlockApi, ApiResult, ChatDelta, ClientState, EventPayload, InputOf, OutputOf } from './contract.js';

/**
 * The one way a bridge reaches main: call a fixed channel, listen to a fixed event. The preload
 * implements it over ipcRenderer, the dev-only browser preview over loopback HTTP; both turn it
 * into the same `AirlockApi` here, so the UI cannot tell which one it has. Never exposed itself.
 */
export interface BridgeTransport {
  invoke<C extends InvokeChannel>(channel: C, input: InputOf<C>): Promise<ApiResult<OutputOf[C]>>;
  subscribe<E extends EventChannel>(channel: E, listener: (payload: EventPayload[E]) => void): () => void;
}

const TRANSPORT_FAILURE = { ok: false, code: 'internal_error', message: 'The app could not reach its main process. Restart the app.' } as const;

export function createBridgeApi(transport: BridgeTransport): AirlockApi {
  let streams = 0;
  const call = async <C extends InvokeChannel>(channel: C, input: InputOf<C>): Promise<ApiResult<OutputOf[C]>> => {
    try {
      return await transport.invoke(channel, input);
    } catch {
      return TRANSPORT_FAILURE;
    }
  };

  return {
    getState: () => call(InvokeChannel.GetState, undefined),
    onState: (listener: (state: ClientState) => void) => transport.subscribe(EventChannel.State, (state) => listener(state)),
    currentInvite: () => call(InvokeChannel.CurrentInvite, undefined),
    finishInvite: (link: string) => call(InvokeChannel.FinishInvite, { link }),
    acknowledgeRevocation: () => call(InvokeChannel.AcknowledgeRevocation, undefined),
    onInviteLink: (listener: (link: string) => void) => transport.subscribe(EventChannel.InviteLink, (link) => listener(link)),
    previewInvite: (link: string) => call(InvokeChannel.PreviewInvite, { link }),
    enroll: (link: string) => call(InvokeChannel.Enroll, { link }),
    listModels: () => call(InvokeChannel.ListModels, undefined),
    chat(request, onDelta) {
      streams += 1;
      const streamId = `s${streams}`;
      let finished = false;
      const deliver = (delta: ChatDelta) => {
        if (finished) return;
        if (delta.type !== 'delta') {
          finished = true;
          unsubscribe();
        }
        onDelta(delta);
      };
      const unsubscribe = transport.subscribe(EventChannel.ChatDelta, (message) => {
        if (message.streamId === streamId) deliver(message.delta);
      });
      void call(InvokeChannel.ChatStart, { streamId, model: request.model, messages: request.messages }).then((result) => {
        if (!result.ok) deliver({ type: 'error', code: 'network_error', message: result.message });
      });
      return () => {
        if (!finished) void call(InvokeChannel.ChatCancel, { streamId });
      };
    },
    deviceStatus: () => call(InvokeChannel.DeviceStatus, undefined),
    signOut: (options) => call(InvokeChannel.SignOut, options),
    listConversations: () => call(InvokeChannel.ConversationsList, undefined),
    getConversation: (id) => call(InvokeChannel.ConversationGet, { id }),
    newConversation: () => call(InvokeChannel.ConversationCreate, undefined),
    sendMessage: (input) => call(InvokeChannel.ConversationSend, input),
    stopAnswer: (conversationId) => call(InvokeChannel.ConversationStop, { conversationId }),
    onConversationChange: (listener) => transport.subscribe(EventChannel.ConversationChanged, (change) => listener(change)),
    copyText: (text) => call(InvokeChannel.ClipboardWrite, { text }),
  };
}
