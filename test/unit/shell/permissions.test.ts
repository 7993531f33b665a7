import { describe, expect, it } from 'vitest';
import { denyAllPermissions } from '../../../main/shell/permissions.js';
import type { PermissionSession } from '../../../main/shell/permissions.js';
import { blockRemoteContent, isAllowedRendererRequest } from '../../../main/shell/remote-content.js';

type AnyHandler = (...args: unknown[]) => unknown;

function fakeSession() {
  const handlers: Record<string, AnyHandler> = {};
  const record = (name: string) => (handler: AnyHandler) => {
    handlers[name] = handler;
  };
  const session = {
    setPermissionRequestHandler: record('request'),
    setPermissionCheckHandler: record('check'),
    setDevicePermissionHandler: record('device'),
    setDisplayMediaRequestHandler: record('display'),
  };
  return { session: session as unknown as PermissionSession, handlers };
}

describe('permissions', () => {
  it.each(['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'fullscreen', 'pointerLock'])('refuses a %s request', async (permission) => {
    const { session, handlers } = fakeSession();
    const refused: string[] = [];
    denyAllPermissions(session, (p) => refused.push(p));
    const answer = await new Promise<boolean>((resolve) => handlers.request!({}, permission, resolve, { requestingUrl: 'app://airlock/index.html' }));
    expect(answer).toBe(false);
    expect(refused).toEqual([permission]);
  });

  it('answers every permission check and device request with no', () => {
    const { session, handlers } = fakeSession();
    denyAllPermissions(session);
    expect(handlers.check!({}, 'clipboard-sanitized-write', 'app://airlock', {})).toBe(false);
    expect(handlers.device!({ deviceType: 'usb', origin: 'app://airlock' })).toBe(false);
  });

  it('refuses screen capture', async () => {
    const { session, handlers } = fakeSession();
    denyAllPermissions(session);
    const streams = await new Promise<unknown>((resolve) => handlers.display!({}, resolve));
    expect(streams).toEqual({});
  });
});

describe('remote content', () => {
  it.each([
    ['app://airlock/assets/index.js', true],
    ['https://cdn.example/x.js', false],
    ['http://127.0.0.1:5173/', false],
    ['file:///etc/passwd', false],
    ['ws://127.0.0.1:1/', false],
    ['not a url', false],
  ])('%s allowed: %s', (url, allowed) => {
    expect(isAllowedRendererRequest(url)).toBe(allowed);
  });

  it('cancels a remote request from the renderer session', async () => {
    let handler: AnyHandler | null = null;
    const refused: string[] = [];
    blockRemoteContent({ webRequest: { onBeforeRequest: (h: AnyHandler) => { handler = h; } } } as never, (url) => refused.push(url));
    const answer = await new Promise((resolve) => handler!({ url: 'https://tracker.example/pixel.png' }, resolve));
    expect(answer).toEqual({ cancel: true });
    expect(refused).toEqual(['https://tracker.example/pixel.png']);
  });
});
