/** The OS a packaging run targets, in electron-builder's CLI terms. */
export type TargetOs = 'linux' | 'mac' | 'win';

export interface SigningPlan {
  /** Sign the macOS app (Developer ID, hardened runtime). Without it, signing is turned off outright, not left to guesswork. */
  macSign: boolean;
  macNotarize: boolean;
  winSign: boolean;
  /** One line per skipped step, to print before packaging starts. */
  skipped: { key: 'mac-sign' | 'mac-notarize' | 'win-sign'; line: string }[];
}

/**
 * The line each skipped step prints. The packaging hooks say the same lines under the same keys
 * (Notice.once), so a step announced here is not announced again when its hook runs.
 */
export const SKIP_LINES = {
  macSign: 'macOS code signing skipped: set CSC_LINK and CSC_KEY_PASSWORD (a Developer ID Application .p12) or CSC_NAME; this build is unsigned and Gatekeeper will refuse it.',
  macNotarize: 'macOS notarization skipped: set APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID.',
  macNotarizeUnsigned: 'macOS notarization skipped: the app is not signed (see the line above).',
  winSign: 'Windows code signing skipped: set WIN_CSC_LINK and WIN_CSC_KEY_PASSWORD (an Authenticode .pfx); this build is unsigned and SmartScreen will warn.',
} as const;

const set = (value: string | undefined): boolean => value !== undefined && value.trim() !== '';

/**
 * Which signing steps have credentials (environment variables, as electron-builder reads them):
 * macOS signing CSC_LINK + CSC_KEY_PASSWORD (a .p12) or CSC_NAME (an identity in the keychain);
 * notarization APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID; Windows WIN_CSC_LINK +
 * WIN_CSC_KEY_PASSWORD (a .pfx), or CSC_LINK + CSC_KEY_PASSWORD. Pure, so it is unit-tested.
 */
export function signingPlan(targets: readonly TargetOs[], env: Record<string, string | undefined>): SigningPlan {
  const skipped: SigningPlan['skipped'] = [];
  const mac = targets.includes('mac');
  const win = targets.includes('win');
  const macSign = mac && ((set(env.CSC_LINK) && set(env.CSC_KEY_PASSWORD)) || set(env.CSC_NAME));
  const notaryCreds = set(env.APPLE_ID) && set(env.APPLE_APP_SPECIFIC_PASSWORD) && set(env.APPLE_TEAM_ID);
  const macNotarize = macSign && notaryCreds;
  const winSign = win && ((set(env.WIN_CSC_LINK) && set(env.WIN_CSC_KEY_PASSWORD)) || (set(env.CSC_LINK) && set(env.CSC_KEY_PASSWORD)));
  if (mac && !macSign) {
    skipped.push({ key: 'mac-sign', line: SKIP_LINES.macSign });
  }
  if (mac && !macNotarize) {
    skipped.push({
      key: 'mac-notarize',
      line: macSign ? SKIP_LINES.macNotarize : SKIP_LINES.macNotarizeUnsigned,
    });
  }
  if (win && !winSign) {
    skipped.push({ key: 'win-sign', line: SKIP_LINES.winSign });
  }
  return { macSign, macNotarize, winSign, skipped };
}
