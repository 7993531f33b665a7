/**
 * The console's hash routes, pure (no React): the boot script reads them before React has loaded,
 * to ask for the page's data at once.
 */
/** Hash routes: `#/devices/dev_...`. The login link's `#login=...` is read once and removed. */
export type Route =
  | { page: 'overview' }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'testers' }
  | { page: 'locks' }
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
    case 'locks':
      return { page: 'locks' };
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

/** The one-time secret of a `#login=...` link, removed from the address bar and history at once. */
export function takeLoginSecret(): string | null {
  const match = /^#login=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
  return match[1] ?? null;
}

/** The API read a page starts with, when it has one fixed path (asked for before React loads). */
export function dataPathOf(route: Route): string | null {
  switch (route.page) {
    case 'overview':
      return '/api/overview';
    case 'devices':
      return '/api/devices';
    case 'device':
      return `/api/devices/${encodeURIComponent(route.id)}`;
    case 'testers':
    case 'locks':
    case 'invites':
    case 'policy':
      return `/api/${route.page}`;
    default:
      return null;
  }
}
