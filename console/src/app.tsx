import { useCallback, useEffect, useState } from 'react';
import type { ConsoleSessionInfo } from '../../protocol/schemas/console.js';
import { ApiError, login, onSessionEnded, resume } from './api.js';
import { LiveContext, useLiveFeed } from './live.js';
import { AuditPage } from './pages/audit.js';
import { DevicePage } from './pages/device.js';
import { DevicesPage } from './pages/devices.js';
import { InvitesPage } from './pages/invites.js';
import { OverviewPage } from './pages/overview.js';
import { PolicyPage } from './pages/policy.js';
import { TestersPage } from './pages/testers.js';
import { UsagePage } from './pages/usage.js';
import { LocksPage } from './pages/locks.js';
import { hrefOf, takeLoginSecret, type Route } from './route.js';
import { useRoute } from './use-route.js';

// The login link is redeemed once per page load, even if React runs the effect twice.
let opening: Promise<ConsoleSessionInfo> | null = null;
function openSession(): Promise<ConsoleSessionInfo> {
  if (!opening) {
    const secret = takeLoginSecret();
    opening = secret ? login(secret) : resume();
  }
  return opening;
}

type Gate = { state: 'opening' } | { state: 'open'; session: ConsoleSessionInfo } | { state: 'closed'; message: string };

const NEW_LINK = 'Run "airlock-gateway console" on the gateway host and open the link it prints (it works once, within 60 seconds).';

const NAV: { label: string; route: Route }[] = [
  { label: 'Overview', route: { page: 'overview' } },
  { label: 'Devices', route: { page: 'devices' } },
  { label: 'Testers', route: { page: 'testers' } },
  { label: 'Locks', route: { page: 'locks' } },
  { label: 'Invites', route: { page: 'invites' } },
  { label: 'Usage', route: { page: 'usage' } },
  { label: 'Audit log', route: { page: 'audit' } },
  { label: 'Policy', route: { page: 'policy' } },
];

export function App() {
  const [gate, setGate] = useState<Gate>({ state: 'opening' });
  const route = useRoute();
  const ended = useCallback(() => setGate({ state: 'closed', message: `Your console session has ended. ${NEW_LINK}` }), []);

  useEffect(() => {
    openSession().then(
      (session) => setGate({ state: 'open', session }),
      (error: unknown) => setGate({ state: 'closed', message: error instanceof ApiError && error.code === 'login_invalid' ? error.message : `Sign in to the Airlock console. ${NEW_LINK}` }),
    );
    return onSessionEnded(ended);
  }, [ended]);

  const live = useLiveFeed(gate.state === 'open', ended);

  if (gate.state === 'opening') return <main className="gate">Opening the console…</main>;
  if (gate.state === 'closed') {
    return (
      <main className="gate" data-testid="gate">
        <h1>Airlock console</h1>
        <p role="alert">{gate.message}</p>
        <pre className="mono">airlock-gateway console</pre>
      </main>
    );
  }

  const active = route.page === 'device' ? 'devices' : route.page;
  return (
    <LiveContext.Provider value={live}>
      <div className="shell">
        <nav className="sidebar" aria-label="Console">
          <div className="brand">
            Airlock <span>console</span>
          </div>
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <a href={hrefOf(item.route)} aria-current={active === item.route.page ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
          <div className="who small">
            Signed in as <strong>{gate.session.osUser}</strong> (OS user on the gateway host)
            <br />
            <span className={live.connected ? 'dot on' : 'dot'} aria-hidden="true" /> {live.connected ? 'Live' : 'Reconnecting…'}
          </div>
        </nav>
        <main className="content">{page(route)}</main>
      </div>
    </LiveContext.Provider>
  );
}

function page(route: Route) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'devices':
      return <DevicesPage />;
    case 'device':
      return <DevicePage id={route.id} />;
    case 'testers':
      return <TestersPage />;
    case 'locks':
      return <LocksPage />;
    case 'invites':
      return <InvitesPage />;
    case 'usage':
      return <UsagePage />;
    case 'audit':
      return <AuditPage initialText={route.text ?? ''} />;
    case 'policy':
      return <PolicyPage />;
  }
}
