import { AirlockError } from '../../protocol/errors.js';
import type { AirlockClient, ClientState } from '../core/api.js';
import type { Conversations } from '../core/conversations/conversations.js';
import type { ConversationChange } from '../core/conversations/types.js';

/**
 * The client as the window sees it while the real one is still being made (the build id read
 * over app.asar, the keychain read, which a hung Secret Service can hold for its 25 s D-Bus
 * timeout). The window opens at once: its state is `starting`, then the real client's, or
 * `start-failed` with the reason, shown in the window rather than on a stderr nobody reads.
 * Calls before then are refused with a plain "still starting"; subscriptions carry over.
 */
export function startingClient(ready: Promise<AirlockClient>, describe: (error: unknown) => string): AirlockClient {
  let real: AirlockClient | null = null;
  let state: ClientState = { kind: 'starting' };
  const listeners = new Set<(state: ClientState) => void>();
  const changeListeners = new Map<(change: ConversationChange) => void, () => void>();
  const emit = (next: ClientState) => {
    state = next;
    for (const listener of [...listeners]) listener(next);
  };

  ready.then(
    (client) => {
      real = client;
      for (const listener of changeListeners.keys()) changeListeners.set(listener, client.conversations.onChange(listener));
      client.onState((next) => emit(next));
      emit(client.state());
    },
    (error: unknown) => emit({ kind: 'start-failed', message: describe(error) }),
  );

  const notYet = (): never => {
    throw new AirlockError('internal_error', state.kind === 'start-failed' ? state.message : 'The app is still starting. Try again in a moment.');
  };

  /** The real client's member when it exists, bound; a refusal before. */
  const forward = (target: () => object | undefined, property: string | symbol): unknown => {
    const object = target();
    if (object === undefined) return notYet;
    const value: unknown = Reflect.get(object, property);
    return typeof value === 'function' ? value.bind(object) : value;
  };

  const conversations = new Proxy({} as Conversations, {
    get(_target, property) {
      if (property === 'onChange') {
        return (listener: (change: ConversationChange) => void) => {
          changeListeners.set(listener, real ? real.conversations.onChange(listener) : () => {});
          return () => {
            changeListeners.get(listener)?.();
            changeListeners.delete(listener);
          };
        };
      }
      return forward(() => real?.conversations, property);
    },
  });

  return new Proxy({} as AirlockClient, {
    get(_target, property) {
      if (property === 'state') return () => state;
      if (property === 'onState') {
        return (listener: (state: ClientState) => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        };
      }
      if (property === 'conversations') return conversations;
      if (property === 'close') return () => ready.then((client) => client.close(), () => undefined);
      return forward(() => real ?? undefined, property);
    },
  });
}
