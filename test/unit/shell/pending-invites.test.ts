/**
 * Which invite link the enroll screen shows is main's decision (main/ipc/pending-invites.ts),
 * driven here the way Electron drives it: links from `open-url` / `second-instance`
 * (handleDeepLinks with a fake app), the renderer's calls through the validated IPC handlers.
 */
import { describe, expect, it } from 'vitest';
import type { ClientState } from '../../../main/core/api.js';
import { EventChannel, InvokeChannel } from '../../../main/ipc/contract.js';
import { createApiService } from '../../../main/ipc/handlers.js';
import { createPendingInvites } from '../../../main/ipc/pending-invites.js';
import { registerIpcHandlers } from '../../../main/ipc/validated-ipc.js';
import { isAppUrl } from '../../../main/shell/app-protocol.js';
import { handleDeepLinks } from '../../../main/shell/deep-links.js';
import type { DeepLinkApp } from '../../../main/shell/deep-links.js';
import { forwardRendererEvents } from '../../../main/shell/renderer-events.js';
import { createFakeClient } from '../../e2e/support/fake-client.js';
import { APP_FRAME, fakeIpcMain } from './fakes.js';

const PIN = encodeURIComponent(`sha256/${'B'.repeat(43)}=`);
const link = (host: string, code = 'A') => `airlock://enroll?gw=${encodeURIComponent(`https://${host}`)}&code=${code.repeat(43)}&pin=${PIN}`;

function shell() {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const app = { on: (event: string, listener: (...args: unknown[]) => void) => (listeners.set(event, listener), app), setAsDefaultProtocolClient: () => true };
  const client = createFakeClient();
  const invites = createPendingInvites();
  invites.follow(client);
  handleDeepLinks({ app: app as unknown as DeepLinkApp, invites, argv: ['/opt/Airlock/airlock'], focusWindow: () => {} });
  const fake = fakeIpcMain();
  registerIpcHandlers(fake.ipc, createApiService({ client, invites, confirm: { enrollment: async () => true, signOut: async () => true } }).handlers, { isAppUrl });
  const pushed: string[] = [];
  forwardRendererEvents(() => ({ isDestroyed: () => false, send: (channel: string, payload: unknown) => void (channel === EventChannel.InviteLink && pushed.push(payload as string)) }), { client, invites });
  const openUrl = (url: string) => listeners.get('open-url')!({ preventDefault: () => {} }, url);
  const current = async () => ((await fake.call(InvokeChannel.CurrentInvite, APP_FRAME)) as { value: string | null }).value;
  return { client, invites, call: fake.call, openUrl, current, pushed };
}

describe('pending invite links, decided in main', () => {
  it('queues a second link while one is on screen: never swapped in, shown after', async () => {
    const { openUrl, current, pushed, call } = shell();
    openUrl(link('first.example'));
    expect(await current()).toBe(link('first.example'));
    openUrl(link('second.example'));
    // The screen keeps the first gateway; the renderer is not even told of the second yet.
    expect(await current()).toBe(link('first.example'));
    expect(pushed).toEqual([link('first.example')]);
    // Done with the first (cancelled, say): the second comes forward.
    expect(await call(InvokeChannel.FinishInvite, APP_FRAME, { link: link('first.example') })).toEqual({ ok: true, value: link('second.example') });
    expect(pushed).toEqual([link('first.example'), link('second.example')]);
    expect(await current()).toBe(link('second.example'));
  });

  it('finishing a link that is not on screen does not bring another forward', async () => {
    const { openUrl, current, call } = shell();
    openUrl(link('first.example'));
    openUrl(link('second.example'));
    await call(InvokeChannel.FinishInvite, APP_FRAME, { link: link('second.example') });
    expect(await current()).toBe(link('first.example'));
  });

  it('a link received while enrolled never skips the revoked screen, and is not shown after it', async () => {
    const { client, openUrl, current, pushed, call } = shell();
    await client.enroll(link('gw.example'));
    const states: ClientState['kind'][] = [];
    client.onState((s) => states.push(s.kind));
    openUrl(link('gw.example', 'C'));
    client.revoke('Testing phase ended');
    expect(states).toEqual(['revoked']);
    // Nothing to show instead of the revoked screen, and nothing pushed that could replace it.
    expect(await current()).toBeNull();
    const pushedBefore = pushed.length;
    // A link arriving after the revocation waits too, until the tester has read the revoked screen.
    openUrl(link('gw.example', 'D'));
    expect(await current()).toBeNull();
    expect(pushed.length).toBe(pushedBefore);
    // "I have a new invite": the link that came after the revocation, not the stale one.
    expect(await call(InvokeChannel.AcknowledgeRevocation, APP_FRAME)).toEqual({ ok: true, value: link('gw.example', 'D') });
  });

  it('refuses invalid links and a flood of links', () => {
    const invites = createPendingInvites();
    expect(invites.offer('airlock://enroll?gw=http%3A%2F%2Fgw.example&code=x&pin=y')).toBe(false);
    const accepted = Array.from({ length: 12 }, (_, i) => invites.offer(link(`gw${i}.example`))).filter(Boolean);
    expect(accepted).toHaveLength(8);
  });
});
