import { describe, expect, it } from 'vitest';
import { createPendingInvites, findInviteArgument } from '../../../main/ipc/pending-invites.js';
import { handleDeepLinks } from '../../../main/shell/deep-links.js';
import type { DeepLinkApp } from '../../../main/shell/deep-links.js';

const LINK = `airlock://enroll?gw=${encodeURIComponent('https://gw.example:8443')}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(`sha256/${'B'.repeat(43)}=`)}`;

function fakeApp() {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const registered: string[] = [];
  const app = {
    on: (event: string, listener: (...args: unknown[]) => void) => {
      listeners.set(event, listener);
      return app;
    },
    setAsDefaultProtocolClient: (scheme: string) => {
      registered.push(scheme);
      return true;
    },
  };
  return { app: app as unknown as DeepLinkApp, listeners, registered };
}

describe('deep links', () => {
  it('registers airlock:// and takes a valid link from argv, open-url and a second instance', () => {
    const { app, listeners, registered } = fakeApp();
    const invites = createPendingInvites();
    let focused = 0;
    handleDeepLinks({ app, invites, argv: ['/usr/bin/airlock', LINK], focusWindow: () => focused++ });
    expect(registered).toEqual(['airlock']);
    expect(invites.current()).toBe(LINK);
    expect(invites.finish(LINK)).toBeNull();
    let prevented = false;
    listeners.get('open-url')!({ preventDefault: () => (prevented = true) }, LINK);
    expect(prevented).toBe(true);
    expect(invites.current()).toBe(LINK);
    expect(invites.finish(LINK)).toBeNull();
    listeners.get('second-instance')!({}, ['/usr/bin/airlock', '--flag', LINK], '/');
    expect(invites.current()).toBe(LINK);
    expect(focused).toBeGreaterThanOrEqual(3);
  });

  it.each([
    'airlock://enroll?gw=http%3A%2F%2Fgw.example&code=x&pin=y',
    'airlock://admin?do=revoke',
    `airlock://enroll?gw=${encodeURIComponent('https://gw.example')}&code=${'A'.repeat(43)}&pin=${encodeURIComponent(`sha256/${'B'.repeat(43)}=`)}&redirect=https%3A%2F%2Fevil`,
    'airlock://enroll?gw=javascript:alert(1)',
  ])('drops the invalid link %s', (link) => {
    const { app, listeners } = fakeApp();
    const invites = createPendingInvites();
    const rejected: string[] = [];
    handleDeepLinks({ app, invites, argv: [link], focusWindow: () => {}, onRejected: (r) => rejected.push(r) });
    listeners.get('open-url')!({ preventDefault: () => {} }, link);
    listeners.get('second-instance')!({}, [link], '/');
    expect(invites.current()).toBeNull();
    expect(rejected).toHaveLength(3);
  });

  it('finds the link among other arguments', () => {
    expect(findInviteArgument(['electron', '.', '--no-sandbox'])).toBeNull();
    expect(findInviteArgument(['x', 'AIRLOCK://enroll?gw=1'])).toBe('AIRLOCK://enroll?gw=1');
  });
});
