import path from 'node:path';
import type { AfterPackContext } from 'electron-builder';
import type { Notice } from '../notice.js';
import { SKIP_LINES } from '../signing/signing-plan.js';

/**
 * electron-builder's afterSign for macOS: notarizes the signed app with Apple's notary service
 * (@electron/notarize, notarytool) and staples the ticket. Credentials come from APPLE_ID,
 * APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID; without them it says so once and returns.
 */
export function createNotarizeHook(options: { env: Record<string, string | undefined>; notice: Notice; log: (line: string) => void }) {
  return async function afterSign(context: AfterPackContext): Promise<void> {
    if (context.electronPlatformName !== 'darwin') return;
    const { APPLE_ID: appleId, APPLE_APP_SPECIFIC_PASSWORD: appleIdPassword, APPLE_TEAM_ID: teamId } = options.env;
    if (!appleId || !appleIdPassword || !teamId) {
      options.notice.once('mac-notarize', SKIP_LINES.macNotarize);
      return;
    }
    const appPath = path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`);
    options.log(`notarizing ${appPath} as team ${teamId}`);
    // Loaded only here: notarization runs on macOS release machines, nowhere else.
    const { notarize } = await import('@electron/notarize');
    await notarize({ appPath, appleId, appleIdPassword, teamId });
    options.log(`notarized and stapled ${appPath}`);
  };
}
