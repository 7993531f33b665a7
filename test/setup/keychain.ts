/**
 * vitest globalSetup: a private keychain for the whole test run. Starts its own D-Bus session bus
 * and a gnome-keyring Secret Service on it (login keyring unlocked with a throwaway password, kept
 * in a temporary HOME), and points DBUS_SESSION_BUS_ADDRESS at that bus so the test workers'
 * keytar reaches it and never the real user's keyring. Both daemons are killed at teardown.
 */
import { startPrivateKeychain as startKeychain, type PrivateKeychain } from '../../scripts/dev-keychain.js';

export type { PrivateKeychain };

/** Starts a private bus and keyring (the same one `npm start` uses); for the globalSetup, suites and benches. */
export function startPrivateKeychain(): Promise<PrivateKeychain> {
  return startKeychain({ label: 'airlock-keychain', what: 'The test keychain', password: 'airlock-test-keyring' });
}

/** A Secret Service with no login collection: it lists, but cannot store anything. */
export function startKeychainWithoutLoginCollection(): Promise<PrivateKeychain> {
  return startKeychain({ label: 'airlock-keychain-nologin', what: 'A keychain without a login collection', password: null });
}

let keychain: PrivateKeychain | undefined;

export async function setup(): Promise<void> {
  keychain = await startPrivateKeychain();
  // Workers are forked after this and inherit it: keytar in every test reaches only this bus.
  process.env.DBUS_SESSION_BUS_ADDRESS = keychain.address;
  process.env.AIRLOCK_TEST_KEYCHAIN = '1';
}

export async function teardown(): Promise<void> {
  await keychain?.stop();
  keychain = undefined;
}
