import { describe, expect, it } from 'vitest';
import { signingPlan } from '../../../build/signing/signing-plan.js';
import { createNotice } from '../../../build/notice.js';
import { createWindowsSign } from '../../../build/hooks/sign-windows.js';
import { createNotarizeHook } from '../../../build/hooks/notarize.js';
import type { AfterPackContext, CustomWindowsSignTaskConfiguration } from 'electron-builder';

describe('signing plan', () => {
  it('skips each step without credentials with exactly one line each', () => {
    const plan = signingPlan(['mac', 'win'], {});
    expect(plan).toMatchObject({ macSign: false, macNotarize: false, winSign: false });
    expect(plan.skipped.map((s) => s.key)).toEqual(['mac-sign', 'mac-notarize', 'win-sign']);
    expect(plan.skipped[0]!.line).toMatch(/^macOS code signing skipped: set CSC_LINK and CSC_KEY_PASSWORD/);
    expect(plan.skipped[2]!.line).toMatch(/^Windows code signing skipped: set WIN_CSC_LINK/);
    for (const step of plan.skipped) expect(step.line).not.toContain('\n');
  });

  it('signs and notarizes with full credentials, and names what is missing otherwise', () => {
    const full = { CSC_LINK: '/secrets/dev-id.p12', CSC_KEY_PASSWORD: 'pw', APPLE_ID: 'a@example.com', APPLE_APP_SPECIFIC_PASSWORD: 'x', APPLE_TEAM_ID: 'T' };
    expect(signingPlan(['mac'], full)).toEqual({ macSign: true, macNotarize: true, winSign: false, skipped: [] });
    const noNotary = signingPlan(['mac'], { CSC_NAME: 'Developer ID Application: Lab' });
    expect(noNotary.macSign).toBe(true);
    expect(noNotary.skipped).toEqual([{ key: 'mac-notarize', line: expect.stringContaining('APPLE_TEAM_ID') }]);
    expect(signingPlan(['mac'], { CSC_LINK: 'x' }).macSign).toBe(false);
    expect(signingPlan(['win'], { WIN_CSC_LINK: 'a.pfx', WIN_CSC_KEY_PASSWORD: 'pw' })).toEqual({ macSign: false, macNotarize: false, winSign: true, skipped: [] });
    expect(signingPlan(['linux'], {}).skipped).toEqual([]);
  });

  it('the Windows hook says once that it skips, however many files it is called for', async () => {
    const lines: string[] = [];
    const sign = createWindowsSign({ notice: createNotice((l) => lines.push(l)) });
    const config = { path: 'Airlock.exe', cscInfo: null } as unknown as CustomWindowsSignTaskConfiguration;
    for (let i = 0; i < 5; i++) await sign(config);
    expect(lines).toEqual([expect.stringMatching(/^Windows code signing skipped/)]);
  });

  it('the notarization hook says once that it skips without Apple credentials, and ignores other platforms', async () => {
    const lines: string[] = [];
    const hook = createNotarizeHook({ env: { APPLE_ID: 'a@example.com' }, notice: createNotice((l) => lines.push(l)), log: (l) => lines.push(l) });
    await hook({ electronPlatformName: 'linux' } as AfterPackContext);
    expect(lines).toEqual([]);
    const mac = { electronPlatformName: 'darwin', appOutDir: '/x', packager: { appInfo: { productFilename: 'Airlock' } } } as unknown as AfterPackContext;
    await hook(mac);
    await hook(mac);
    expect(lines).toEqual(['macOS notarization skipped: set APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID.']);
  });
});
