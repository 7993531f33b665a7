/**
 * The Electron composition root: single-instance lock, core services, window manager, IPC.
 * Policy lives in main/shell/ and main/ipc/ (unit-tested with fakes); this file only assembles.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, clipboard, dialog, ipcMain, protocol, session } from 'electron';
import { readBuildInfo } from './build-info/build-info.js';
import { createApiService } from './ipc/handlers.js';
import { createPendingInvites } from './ipc/pending-invites.js';
import { registerIpcHandlers } from './ipc/validated-ipc.js';
import { APP_SCHEME, createAppProtocolHandler, isAppUrl } from './shell/app-protocol.js';
import { followContentProtection } from './shell/content-protection.js';
import { handleDeepLinks } from './shell/deep-links.js';
import { takeLaunchLink } from './shell/launch-link.js';
import { consoleLogger, createDesktopClient } from './shell/desktop-client.js';
import { applyNavigationPolicy } from './shell/navigation-policy.js';
import { denyAllPermissions } from './shell/permissions.js';
import { blockRemoteContent } from './shell/remote-content.js';
import { nativeConfirmations } from './shell/native-confirm.js';
import { forwardRendererEvents } from './shell/renderer-events.js';
import { guardStartSwitches } from './shell/start-guard.js';
import { startingClient } from './shell/starting-client.js';
import { createWindowsManager } from './shell/windows-manager.js';
import type { WindowsManager } from './shell/windows-manager.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const logger = consoleLogger('airlock', app.isPackaged ? 'warn' : 'info');

// Before `ready`: app:// gets a real, secure origin (so the CSP's 'self' and the sender check mean it).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

const mayStart = guardStartSwitches({
  packaged: app.isPackaged,
  argv: process.argv,
  platform: process.platform,
  hasSwitch: (name) => app.commandLine.hasSwitch(name),
  showErrorBox: (title, content) => dialog.showErrorBox(title, content),
  exit: (code) => app.exit(code),
});

if (!mayStart) {
  // Refused above, with a dialog; app.exit is already under way.
} else if (!app.requestSingleInstanceLock()) {
  // The first instance gets our argv (and any invite link in it) through `second-instance`.
  app.quit();
} else {
  void start().catch((error: unknown) => {
    logger.error('the app could not start', { error });
    app.exit(1);
  });
}

async function start(): Promise<void> {
  const invites = createPendingInvites();
  let windows: WindowsManager | null = null;
  // Registered before `ready` so that a link that launched the app on macOS is not missed.
  handleDeepLinks({ app, invites, argv: [...process.argv, ...takeLaunchLink()], focusWindow: () => windows?.focus(), onRejected: (reason) => logger.warn(reason) });
  app.on('web-contents-created', (_event, contents) => applyNavigationPolicy(contents, (refusal) => logger.warn('refused', { ...refusal })));
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  denyAllPermissions(session.defaultSession, (permission) => logger.warn('refused a permission request', { permission }));
  blockRemoteContent(session.defaultSession, (url) => logger.warn('refused a remote request', { url }));
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: path.join(here, '..', 'renderer') }));

  const require = createRequire(import.meta.url);
  // Made while the window is already up: the build id hash and the keychain read can take long.
  const clientReady = (async () => {
    // The same reading of app.asar that the packaging test checks against the signed manifest.
    const build = await readBuildInfo({
      appPath: app.getAppPath(),
      isPackaged: app.isPackaged,
      createReadStream: (file) => (require('original-fs') as typeof import('node:fs')).createReadStream(file),
    });
    return createDesktopClient({
      dataPath: path.join(app.getPath('userData'), 'airlock'),
      app: { appVersion: app.getVersion(), buildId: build.buildId, packaged: app.isPackaged },
      logger,
    });
  })();
  clientReady.catch((error: unknown) => logger.error('the app could not start', { error }));
  const client = startingClient(clientReady, (error) => `The app could not start (${error instanceof Error ? error.message : String(error)}). Restart it; if this keeps happening, reinstall Airlock or tell your admin.`);
  app.on('before-quit', () => void client.close());
  invites.follow(client);

  // Main's own questions (enrollment, sign-out): native dialogs on the app's window, out of the renderer's reach.
  const confirm = nativeConfirmations((options) => {
    const parent = windows?.current();
    return parent ? dialog.showMessageBox(parent as BrowserWindow, options) : dialog.showMessageBox(options);
  });
  const api = createApiService({ client, invites, confirm, clipboard });
  registerIpcHandlers(ipcMain, api.handlers, { isAppUrl });
  const manager = createWindowsManager({
    createWindow: (options) => new BrowserWindow(options),
    preloadPath: path.join(here, '..', 'preload', 'preload.cjs'),
    packaged: app.isPackaged,
    onRefused: (refusal) => logger.warn('refused', { ...refusal }),
    onClosed: (id) => api.closeCaller(String(id)),
  });
  windows = manager;
  forwardRendererEvents(() => manager.current()?.webContents ?? null, { client, invites });
  const window = await manager.open();
  followContentProtection(window, client);
}
