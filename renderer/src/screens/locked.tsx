import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { ClientState } from '../../../main/ipc/contract.js';
import { Frame } from '../components/frame.js';

type Locked = Extract<ClientState, { kind: 'locked' }>;

/** "in 12 min", "in 1 h 5 min", "any moment now": how long until the lock ends, said plainly. */
function timeLeft(untilMs: number, nowMs: number): string {
  const minutes = Math.ceil((untilMs - nowMs) / 60_000);
  if (minutes <= 0) return 'any moment now';
  if (minutes < 60) return `in ${minutes} min`;
  return `in ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What happened to the conversations, in the tester's words (a lock that says so deletes them). */
const HISTORY: Record<Locked['history'], string> = {
  kept: 'You keep your enrollment and your conversations. The app reconnects by itself when the lock ends; there is nothing to do meanwhile.',
  deleting: 'Your admin asked for the chat history on this computer to be deleted. Deleting it now…',
  deleted: 'Your admin asked for the chat history on this computer to be deleted: it is gone, with the key that encrypted it. You keep your enrollment; the app reconnects by itself when the lock ends, with no earlier conversations.',
  'delete-failed': 'Your admin asked for the chat history on this computer to be deleted, and the app could not delete it. Quit the app and tell your admin.',
};

/**
 * An admin locked this device (or its tester) for now (issue 13). The key stays: the app tries
 * again by itself when the lock ends and comes back to the chat. Only a lock that says so deletes
 * the chat history, and the screen says which happened.
 */
export function LockedScreen({ state }: { state: Locked }): ReactNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const until = state.until === null ? null : new Date(state.until);
  return (
    <Frame>
      <main className="screen narrow" data-screen="locked">
        <div className="card" role="status" aria-live="polite">
          <h1>Access is paused by your admin</h1>
          <dl className="facts">
            <dt>Message from your admin</dt>
            <dd data-testid="locked-message">{state.message ?? 'No message was given.'}</dd>
            <dt>Until</dt>
            <dd data-testid="locked-until">
              {until ? `${until.toLocaleString()} (${timeLeft(until.getTime(), now)})` : 'Until your admin lifts it'}
            </dd>
            <dt>Gateway</dt>
            <dd className="mono">{state.gateway}</dd>
          </dl>
          <p data-testid="locked-history" role={state.history === 'delete-failed' ? 'alert' : undefined}>{HISTORY[state.history]}</p>
        </div>
      </main>
    </Frame>
  );
}
