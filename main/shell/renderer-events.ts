import type { WebContents } from 'electron';
import type { ClientState } from '../core/api.js';
import type { ConversationChange } from '../core/conversations/types.js';
import { EventChannel } from '../ipc/contract.js';
import type { EventPayload } from '../ipc/contract.js';
import type { PendingInvites } from '../ipc/pending-invites.js';

export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed'>;

export interface RendererEventSources {
  client: { onState(listener: (state: ClientState) => void): () => void; conversations: { onChange(listener: (change: ConversationChange) => void): () => void } };
  invites: PendingInvites;
}

/**
 * The events main pushes unasked (state changes, arriving invite links), typed by the contract,
 * for any bridge: the window below, or the dev-only browser preview. Returns the unsubscribe.
 */
export function pushRendererEvents(sources: RendererEventSources, send: <E extends EventChannel>(channel: E, payload: EventPayload[E]) => void): () => void {
  const offState = sources.client.onState((state) => send(EventChannel.State, state));
  const offLinks = sources.invites.onLink((link) => send(EventChannel.InviteLink, link));
  const offConversations = sources.client.conversations.onChange((change) => send(EventChannel.ConversationChanged, change));
  return () => {
    offState();
    offLinks();
    offConversations();
  };
}

/** Pushes those events to the window, while it exists. */
export function forwardRendererEvents(target: () => EventTarget | null, sources: RendererEventSources): () => void {
  return pushRendererEvents(sources, (channel, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(channel, payload);
  });
}
