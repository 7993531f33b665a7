import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { createWindowsManager } from '../../../main/shell/windows-manager.js';
import type { WindowLike } from '../../../main/shell/windows-manager.js';
import { secureWindowOptions } from '../../../main/shell/window-options.js';
import { followContentProtection } from '../../../main/shell/content-protection.js';
import type { ClientState } from '../../../main/core/api.js';
import { fakeWebContents } from './fakes.js';

function fakeWindow() {
  const web = fakeWebContents();
  const calls: string[] = [];
  const window = {
    loaded: '',
    protection: [] as boolean[],
    webContents: { ...web.contents, id: 3, send: () => {}, isDestroyed: () => false },
    loadURL: async (url: string) => {
      window.loaded = url;
    },
    once: () => window,
    on: () => window,
    show: () => calls.push('show'),
    focus: () => calls.push('focus'),
    restore: () => calls.push('restore'),
    isMinimized: () => true,
    isDestroyed: () => false,
    setContentProtection: (on: boolean) => window.protection.push(on),
  };
  return { window, web, calls };
}

describe('window options', () => {
  it.each([true, false])('keeps every hardening setting on (packaged: %s)', (packaged) => {
    const { webPreferences } = secureWindowOptions({ preloadPath: '/app/preload.cjs', packaged });
    expect(webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: !packaged,
    });
  });
});

describe('windows manager', () => {
  it('opens one window on app://, with protection and the navigation policy, and reuses it', async () => {
    const { window, web, calls } = fakeWindow();
    const created: BrowserWindowConstructorOptions[] = [];
    const manager = createWindowsManager({
      createWindow: (options) => {
        created.push(options);
        return window as unknown as WindowLike;
      },
      preloadPath: '/p.cjs',
      packaged: true,
    });
    await manager.open();
    expect(window.loaded).toBe('app://airlock/index.html');
    expect(window.protection).toEqual([true]);
    expect(created[0]?.webPreferences?.devTools).toBe(false);
    expect(web.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(web.open('https://evil.example/')).toEqual({ action: 'deny' });
    await manager.open();
    expect(created).toHaveLength(1);
    expect(calls).toEqual(['restore', 'show', 'focus']);
  });
});

describe('content protection', () => {
  const enrolled = (contentProtection: boolean): ClientState => ({
    kind: 'enrolled', gateway: 'https://g.example', deviceId: 'dev_0000000000000000', tester: 't@example.com', sessionExpiresAt: null, connected: true,
    policy: { tokenLifetimeSeconds: 900, watermark: true, contentProtection, chatHistory: 'none' },
  });

  it('follows the policy once enrolled and is on otherwise', () => {
    let listener: (state: ClientState) => void = () => {};
    const applied: boolean[] = [];
    followContentProtection(
      { setContentProtection: (on: boolean) => applied.push(on), isDestroyed: () => false },
      { state: () => ({ kind: 'not-enrolled' }), onState: (l) => ((listener = l), () => {}) },
    );
    listener(enrolled(false));
    listener(enrolled(false));
    listener(enrolled(true));
    listener({ kind: 'revoked', gateway: 'https://g.example', reason: 'r', code: 'device_revoked', at: new Date().toISOString() });
    expect(applied).toEqual([true, false, true]);
  });
});
