/**
 * A keyring that lists but cannot write (gnome-keyring with no login collection, as on a machine
 * where nobody ever created one): the app must find out with a write and a delete BEFORE it
 * spends the invite, so the tester can fix the keyring and use the same invite. A list-only check
 * passes here, and the invite would be spent before the key's save failed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import { KEYCHAIN_SERVICE } from '../../../main/core/vault/vault.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startKeychainWithoutLoginCollection } from '../../setup/keychain.js';
import { closeApps, startApp, type TestApp, useOwnKeychain } from './client-harness.js';

describe('keychain write check before the invite is spent (real gnome-keyring, no login collection)', () => {
  useOwnKeychain(startKeychainWithoutLoginCollection);
  let gw: TestGateway;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterEach(() => closeApps(apps));
  afterAll(async () => {
    await gw?.stop();
  });

  it('the keyring lists but refuses to store: this is the keyring the check is for', async () => {
    const keychain = createKeytarKeychain({ platform: 'linux' });
    await expect(keychain.list(KEYCHAIN_SERVICE)).resolves.toEqual([]);
    await expect(keychain.set('Airlock test', 'x', 'y')).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('refuses with keychain_unavailable, saying what to do, and leaves the invite unspent', async () => {
    const link = await gw.invite('no-login-keyring@example.com');
    const app = await startApp({ gateway: gw.url });
    apps.push(app);
    const error = await app.client.enroll(link).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'keychain_unavailable' });
    expect((error as Error).message).toMatch(/default keyring|login/);
    expect(app.states.some((s) => s.kind === 'enrolling' && s.step === 'enroll')).toBe(false);

    const invites = (await gw.cli(['invite', 'list', '--json'])).json<Array<{ email: string; status: string }>>();
    expect(invites.find((i) => i.email === 'no-login-keyring@example.com')?.status).toBe('pending');
    const devices = (await gw.cli(['device', 'list', '--json'])).json<unknown[]>();
    expect(devices).toEqual([]);
  });
});
