import { createRequire } from 'node:module';
import { ClientError } from '../errors.js';
import type { Keychain } from '../ports.js';

type Keytar = typeof import('keytar');

/** What to install or unlock, said per platform, when the OS keychain cannot be used. */
export function keychainHelp(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'linux':
      return 'Airlock keeps its device key only in the OS keychain, and none is usable. Install and start a Secret Service (for example `sudo apt install gnome-keyring libsecret-1-0`, then log in to a desktop session, or run `gnome-keyring-daemon --unlock --components=secrets` in your D-Bus session), make sure it has a default keyring it can save to (a "login" keyring: create one in Passwords and Keys if there is none) and unlock it, then try again.';
    case 'darwin':
      return 'Airlock keeps its device key only in the macOS Keychain, and it could not be used. Unlock the login keychain (Keychain Access) and try again.';
    case 'win32':
      return 'Airlock keeps its device key only in the Windows Credential Manager, and it could not be used. Sign in to Windows normally (not as a service account) and try again.';
    default:
      return 'Airlock keeps its device key only in the OS keychain, and none is usable on this platform.';
  }
}

/**
 * keytar is a native CommonJS addon. It is required, not `import()`ed: dynamic import of a
 * CommonJS package from the ESM main bundle inside app.asar is a path that has broken in several
 * Electron releases, while `require` through the asar-aware loader is the one Electron supports.
 */
export async function loadKeytar(): Promise<Keytar> {
  const requireHere = createRequire(import.meta.url);
  return requireHere('keytar') as Keytar;
}

/**
 * The real keychain through keytar. Any failure (no Secret Service on D-Bus, a locked or missing
 * collection, keytar not built) is `keychain_unavailable` with what to do; never a fall-back to a file.
 */
export function createKeytarKeychain(options: { platform?: NodeJS.Platform; load?: () => Promise<Keytar> } = {}): Keychain {
  const platform = options.platform ?? process.platform;
  let keytar: Promise<Keytar> | undefined;

  async function use<T>(op: (k: Keytar) => Promise<T>): Promise<T> {
    try {
      keytar ??= (options.load ?? loadKeytar)();
      return await op(await keytar);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ClientError('keychain_unavailable', `${keychainHelp(platform)} (keychain said: ${detail})`, { cause: error });
    }
  }

  return {
    get: (service, account) => use((k) => k.getPassword(service, account)),
    set: (service, account, secret) => use((k) => k.setPassword(service, account, secret)),
    delete: (service, account) => use((k) => k.deletePassword(service, account)),
    list: (service) => use(async (k) => (await k.findCredentials(service)).map((c) => ({ account: c.account, secret: c.password }))),
  };
}
