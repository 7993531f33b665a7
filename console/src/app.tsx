import { useCallback, useEffect, useState } from 'react';
import type { ConsoleSessionInfo } from '../../protocol/schemas/console.js';
import { ApiError, login, onSessionEnded, resume, takeLogin } from './api.js';
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
import { hrefOf, type Route } from './route.js';
import { takeLoginSecret } from './address.js';
import { useRoute } from './use-route.js';

export type Gate = { state: 'open'; session: ConsoleSessionInfo } | { state: 'closed'; message: string };

const NEW_LINK = 'Run "airlock-gateway console" on the gateway host and open the link it prints (it works once, within 60 seconds).';

/**
 * The session this page load opens: the login link's (redeemed once: by the entry, which took the
 * secret from the address bar, or here), else the cookie's. Asked before React renders anything.
 */
export function openGate(): Promise<Gate> {
  const secret = takeLoginSecret();
  return (takeLogin() ?? (secret ? login(secret) : resume())).then(
    (session): Gate => ({ state: 'open', session }),
    (error: unknown): Gate => ({ state: 'closed', message: error instanceof ApiError && error.code === 'login_invalid' ? error.message : `Sign in to the Airlock console. ${NEW_LINK}` }),
  );
}

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

/**
 * The console. `initialRoute` is the page the address bar names when it loads (the gateway draws it
 * from the same path). Once React has taken the page over (drawn or hydrated), `<html data-interactive>`
 * says so: the bench times "interactive" by it, beside "data visible".
 */
export function App({ opened, initialRoute }: { opened: Gate; initialRoute: Route }) {
  const [gate, setGate] = useState<Gate>(opened);
  const route = useRoute(initialRoute);
  const ended = useCallback(() => setGate({ state: 'closed', message: `Your console session has ended. ${NEW_LINK}` }), []);

  useEffect(() => onSessionEnded(ended), [ended]);
  useEffect(() => document.documentElement.setAttribute('data-interactive', ''), []);

  const live = useLiveFeed(gate.state === 'open', ended);

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
