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

/**
 * An admin locked this device (or its tester) for now (issue 13). Nothing was deleted: the app
 * tries again by itself when the lock ends and comes back to the chat.
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
          <p>You keep your enrollment and your conversations. The app reconnects by itself when the lock ends; there is nothing to do meanwhile.</p>
        </div>
      </main>
    </Frame>
  );
}
