import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The one window's settings (DESIGN.md, "Client hardening"). Every security-relevant preference is
 * spelled out rather than left to a default, so a future Electron default change cannot weaken it.
 */
export function secureWindowOptions(options: { preloadPath: string; packaged: boolean }): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 360,
    minHeight: 480,
    show: false,
    title: 'Airlock',
    backgroundColor: '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: !options.packaged,
      webgl: false,
    },
  };
}
