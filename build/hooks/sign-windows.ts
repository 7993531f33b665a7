import type { CustomWindowsSign, CustomWindowsSignTaskConfiguration, WinPackager } from 'electron-builder';
import type { Notice } from '../notice.js';
import { SKIP_LINES } from '../signing/signing-plan.js';

interface DefaultSigner {
  doSign(configuration: CustomWindowsSignTaskConfiguration, packager: WinPackager): Promise<void>;
}

function isDefaultSigner(value: unknown): value is DefaultSigner {
  return typeof value === 'object' && value !== null && typeof (value as { doSign?: unknown }).doSign === 'function';
}

/**
 * electron-builder's Windows signing hook (win.signtoolOptions.sign), called for every file it
 * signs. With a certificate (WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD) it hands the file to
 * electron-builder's own signtool step; without one it says so once, instead of once per file.
 */
export function createWindowsSign(options: { notice: Notice }): CustomWindowsSign {
  return async (configuration, packager) => {
    if (configuration.cscInfo === null || configuration.cscInfo === undefined) {
      options.notice.once('win-sign', SKIP_LINES.winSign);
      return;
    }
    if (packager === undefined) throw new Error('Windows signing: electron-builder did not pass its packager');
    const signer: unknown = await packager.signingManager.value;
    if (!isDefaultSigner(signer)) throw new Error('Windows signing: electron-builder\'s signtool manager is not available (Azure Trusted Signing is not configured here)');
    await signer.doSign(configuration, packager);
  };
}
