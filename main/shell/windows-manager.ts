import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import { APP_ENTRY_URL } from './app-protocol.js';
import { applyNavigationPolicy } from './navigation-policy.js';
import type { Refusal } from './navigation-policy.js';
import { secureWindowOptions } from './window-options.js';

export type WindowLike = Pick<
  BrowserWindow,
  'loadURL' | 'once' | 'on' | 'show' | 'focus' | 'restore' | 'isMinimized' | 'isDestroyed' | 'setContentProtection'
> & { webContents: Pick<WebContents, 'setWindowOpenHandler' | 'on' | 'send' | 'isDestroyed' | 'id'> };

export interface WindowsManager {
  /** Creates the one window (or focuses it if it exists) and loads the renderer from `app://`. */
  open(): Promise<WindowLike>;
  focus(): void;
  current(): WindowLike | null;
}

/**
 * Owns the app's only window. The renderer is always loaded from the `app://` protocol (the built
 * files), never from a dev server or a remote URL.
 */
export function createWindowsManager(deps: {
  createWindow: (options: BrowserWindowConstructorOptions) => WindowLike;
  preloadPath: string;
  packaged: boolean;
  onRefused?: (refusal: Refusal) => void;
  onClosed?: (webContentsId: number) => void;
}): WindowsManager {
  let window: WindowLike | null = null;

  const focus = () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  return {
    async open() {
      if (window && !window.isDestroyed()) {
        focus();
        return window;
      }
      const created = deps.createWindow(secureWindowOptions({ preloadPath: deps.preloadPath, packaged: deps.packaged }));
      window = created;
      // Protection on from the first frame; the policy may turn it off once enrolled.
      created.setContentProtection(true);
      applyNavigationPolicy(created.webContents, deps.onRefused);
      const id = created.webContents.id;
      created.on('closed', () => {
        if (window === created) window = null;
        deps.onClosed?.(id);
      });
      created.once('ready-to-show', () => created.show());
      await created.loadURL(APP_ENTRY_URL);
      return created;
    },
    focus,
    current: () => (window && !window.isDestroyed() ? window : null),
  };
}
