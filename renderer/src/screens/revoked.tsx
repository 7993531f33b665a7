import type { ReactNode } from 'react';
import type { ClientState } from '../../../main/ipc/contract.js';
import { Frame } from '../components/frame.js';
import { revokedHeadline } from '../messages.js';

type Revoked = Extract<ClientState, { kind: 'revoked' }>;

export function RevokedScreen({ state, onNewInvite }: { state: Revoked; onNewInvite: () => void }): ReactNode {
  return (
    <Frame>
      <main className="screen narrow" data-screen="revoked">
        <div className="card revoked" role="alert">
          <h1>{revokedHeadline(state)}</h1>
          <dl className="facts">
            <dt>Reason given</dt>
            <dd data-testid="revoked-reason">{state.reason || 'No reason was given.'}</dd>
            <dt>Gateway</dt>
            <dd className="mono">{state.gateway}</dd>
            <dt>When</dt>
            <dd>{new Date(state.at).toLocaleString()}</dd>
          </dl>
          <h2>What happened on this computer</h2>
          <p>This device’s key and the app’s local data for this gateway have been deleted. Nothing you did here can be used to reconnect.</p>
          <h2>What to do next</h2>
          <p>
            {state.code === 'key_moved'
              ? 'If you did not copy your keychain to another machine, tell your admin at once. To continue, ask for a new invite for this machine.'
              : 'If you think this is a mistake, contact your admin. To use Airlock again you need a new invite link.'}
          </p>
          <div className="row">
            <button type="button" className="button" onClick={onNewInvite}>I have a new invite</button>
          </div>
        </div>
      </main>
    </Frame>
  );
}
