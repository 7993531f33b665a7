import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { AirlockApi, ClientState } from '../../main/ipc/contract.js';
import { EnrollScreen } from './screens/enroll.js';
import { ChatScreen } from './screens/chat.js';
import { DeviceScreen } from './screens/device.js';
import { RevokedScreen } from './screens/revoked.js';
import { ErrorScreen } from './screens/error.js';

type View = 'chat' | 'device';

/** Chooses the screen from the client state; every change of state arrives through `onState`. */
export function App({ api }: { api: AirlockApi }): ReactNode {
  const [state, setState] = useState<ClientState | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [view, setView] = useState<View>('chat');
  const [reenroll, setReenroll] = useState(false);
  // The conversation on screen, so coming back from the Device screen shows the same one.
  const [activeConversation, setActiveConversation] = useState<string | null>(null);

  useEffect(() => {
    const offState = api.onState((next) => setState(next));
    const offLink = api.onInviteLink((next) => {
      setLink(next);
      setReenroll(true);
    });
    void api.getState().then((result) => {
      if (result.ok) setState((current) => current ?? result.value);
      else setLoadError(result.message);
    });
    void api.takePendingInvite().then((result) => {
      if (result.ok && result.value) setLink(result.value);
    });
    return () => {
      offState();
      offLink();
    };
  }, [api]);

  useEffect(() => {
    if (state?.kind === 'enrolled') {
      setReenroll(false);
      setLink(null);
    } else {
      // Signed out or revoked from the Device screen: the next enrollment opens on the chat.
      setView('chat');
    }
  }, [state?.kind]);

  if (loadError) return <ErrorScreen title="The app could not start" message={loadError} code="internal_error" />;
  if (!state) return <main className="screen center" aria-busy="true"><p className="muted">Starting…</p></main>;

  switch (state.kind) {
    case 'enrolled':
      return view === 'device'
        ? <DeviceScreen api={api} state={state} onBack={() => setView('chat')} />
        : <ChatScreen api={api} state={state} onShowDevice={() => setView('device')} activeId={activeConversation} onActiveChange={setActiveConversation} />;
    case 'revoked':
      return reenroll
        ? <EnrollScreen api={api} state={state} initialLink={link} />
        : <RevokedScreen state={state} onNewInvite={() => setReenroll(true)} />;
    case 'not-enrolled':
    case 'enrolling':
    case 'error':
      return <EnrollScreen api={api} state={state} initialLink={link} />;
  }
}
