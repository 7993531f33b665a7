import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState, Conversation } from '../../main/ipc/contract.js';
import { EnrollScreen } from './screens/enroll.js';
import { ChatScreen } from './screens/chat.js';
import { DeviceScreen } from './screens/device.js';
import { RevokedScreen } from './screens/revoked.js';
import { LockedScreen } from './screens/locked.js';
import { ErrorScreen } from './screens/error.js';

type View = 'chat' | 'device' | 'enroll';

/**
 * Chooses the screen from the client state; every change of state arrives through `onState`.
 * Which invite link the enroll screen shows is main's decision (currentInvite / onInviteLink): a
 * link never replaces one on screen, and none is shown over the revoked screen.
 */
export function App({ api }: { api: AirlockApi }): ReactNode {
  const [state, setState] = useState<ClientState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [view, setView] = useState<View>('chat');
  const [reenroll, setReenroll] = useState(false);
  // The conversation on screen, so coming back from the Device screen shows the same one.
  const [activeConversation, setActiveConversation] = useState<string | null>(null);
  // What the chat last drew, so coming back to it draws the conversation at once instead of an
  // empty chat until main answers. Kept only while enrolled: a wipe must not show again.
  const lastConversation = useRef<Conversation | null>(null);
  const rememberConversation = useCallback((shown: Conversation | null) => {
    lastConversation.current = shown;
  }, []);
  const lastKind = useRef<ClientState['kind'] | null>(null);

  useEffect(() => {
    const offState = api.onState((next) => setState(next));
    const offLink = api.onInviteLink((next) => setLink(next));
    void api.getState().then((result) => {
      if (result.ok) setState((current) => current ?? result.value);
      else setLoadError(result.message);
    });
    void api.currentInvite().then((result) => {
      if (result.ok && result.value) setLink(result.value);
    });
    return () => {
      offState();
      offLink();
    };
  }, [api]);

  useEffect(() => {
    const kind = state?.kind ?? null;
    if (kind !== 'enrolled') lastConversation.current = null;
    // Newly enrolled (first time, again after a revocation, or with another invite): the chat.
    if (kind === 'enrolled' && lastKind.current !== 'enrolled') {
      setView('chat');
      setReenroll(false);
    }
    if (kind === 'revoked' && lastKind.current !== 'revoked') setReenroll(false);
    lastKind.current = kind;
  }, [state?.kind]);

  /** The tester is done with the link on screen: main says which one (if any) comes next. */
  const finishInvite = (done: string) => {
    void api.finishInvite(done).then((result) => setLink(result.ok ? result.value : null));
  };

  if (loadError) return <ErrorScreen title="The app could not start" message={loadError} code="internal_error" />;
  if (!state || state.kind === 'starting') return <main className="screen center" aria-busy="true" data-screen="starting"><p className="muted">Starting…</p></main>;

  const enroll = (onBack?: () => void) => (
    <EnrollScreen api={api} state={state} initialLink={link} onFinished={finishInvite} {...(onBack ? { onBack } : {})} />
  );

  switch (state.kind) {
    case 'start-failed':
      return <ErrorScreen title="The app could not start" message={state.message} code="internal_error" />;
    case 'enrolled':
      if (view === 'enroll') return enroll(() => setView('device'));
      return view === 'device'
        ? <DeviceScreen api={api} state={state} onBack={() => setView('chat')} onUseAnotherInvite={() => setView('enroll')} />
        : (
          <ChatScreen
            api={api}
            state={state}
            onShowDevice={() => setView('device')}
            onInviteLink={(pasted) => {
              setLink(pasted);
              setView('enroll');
            }}
            activeId={activeConversation}
            onActiveChange={setActiveConversation}
            initialConversation={lastConversation.current}
            onConversationShown={rememberConversation}
          />
        );
    case 'revoked':
      return reenroll
        ? enroll()
        : (
          <RevokedScreen
            state={state}
            onNewInvite={() => {
              void api.acknowledgeRevocation().then((result) => setLink(result.ok ? result.value : null));
              setReenroll(true);
            }}
          />
        );
    case 'locked':
      return <LockedScreen state={state} />;
    case 'not-enrolled':
    case 'enrolling':
    case 'error':
      return enroll();
  }
}
