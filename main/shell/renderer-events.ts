import type { WebContents } from 'electron';
import type { ClientState } from '../core/api.js';
import { EventChannel } from '../ipc/contract.js';
import type { EventPayload } from '../ipc/contract.js';
import type { PendingInvites } from '../ipc/pending-invites.js';

export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed'>;

/** Pushes state changes and arriving invite links to the window, typed by the contract. */
export function forwardRendererEvents(
  target: () => EventTarget | null,
  sources: { client: { onState(listener: (state: ClientState) => void): () => void }; invites: PendingInvites },
): () => void {
  const send = <E extends EventChannel>(channel: E, payload: EventPayload[E]) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(channel, payload);
  };
  const offState = sources.client.onState((state) => send(EventChannel.State, state));
  const offLinks = sources.invites.onLink((link) => send(EventChannel.InviteLink, link));
  return () => {
    offState();
    offLinks();
  };
}
