import { useEffect, useState } from 'react';

/** Hash routes: `#/devices/dev_...`. The login link's `#login=...` is read once and removed. */
export type Route =
  | { page: 'overview' }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'testers' }
  | { page: 'invites' }
  | { page: 'usage' }
  | { page: 'audit'; text?: string }
  | { page: 'policy' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').map((p) => decodeURIComponent(p));
  switch (parts[0]) {
    case 'devices':
      return parts[1] ? { page: 'device', id: parts[1] } : { page: 'devices' };
    case 'testers':
      return { page: 'testers' };
    case 'invites':
      return { page: 'invites' };
    case 'usage':
      return { page: 'usage' };
    case 'audit': {
      const text = new URLSearchParams(query).get('text');
      return text ? { page: 'audit', text } : { page: 'audit' };
    }
    case 'policy':
      return { page: 'policy' };
    default:
      return { page: 'overview' };
  }
}

export const hrefOf = (route: Route): string => {
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'device':
      return `#/devices/${encodeURIComponent(route.id)}`;
    case 'audit':
      return route.text ? `#/audit?text=${encodeURIComponent(route.text)}` : '#/audit';
    default:
      return `#/${route.page}`;
  }
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** The one-time secret of a `#login=...` link, removed from the address bar and history at once. */
export function takeLoginSecret(): string | null {
  const match = /^#login=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
  return match[1] ?? null;
}
