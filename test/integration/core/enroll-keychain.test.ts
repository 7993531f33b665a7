/**
 * The first session goes out while the keychain stores the new device key (main/core/client.ts).
 * What must still hold, against a real gateway and the real keychain: the device is enrolled only
 * once its key is stored; a keychain that refuses the key fails the enrollment; and a wipe asked
 * for while the key is being stored lands after it, never before (else a revoked device's key
 * would stay behind).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, toClientPolicy } from '../../../protocol/schemas/policy.js';
import { ClientError } from '../../../main/core/errors.js';
import { createKeytarKeychain } from '../../../main/core/keychain/keytar-keychain.js';
import type { Keychain } from '../../../main/core/ports.js';
import { createVault } from '../../../main/core/vault/vault.js';
import { memoryCaFiles } from '../../unit/core/support/memory-ca-files.js';
import { memoryLogger } from '../../unit/core/support/memory-logger.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { closeApps, keychainEntry, startApp, stepsOf, type TestApp, useOwnKeychain } from './client-harness.js';

/** The real keychain, with each `set` held back first: a slow Secret Service. */
function slowSets(ms: number, onStored: () => void = () => undefined): Keychain {
  const real = createKeytarKeychain();
  return {
    ...real,
    async set(service, account, secret) {
      await delay(ms);
      await real.set(service, account, secret);
      onStored();
    },
  };
}

describe('enrollment and the keychain write', () => {
  useOwnKeychain();
  let gw: TestGateway;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterEach(() => closeApps(apps));
  afterAll(async () => {
    await gw?.stop();
  });

  it('is enrolled only once the key is in the keychain, however slow the keychain is', async () => {
    let stored = false;
    const app = await startApp({ gateway: gw.url, keychain: slowSets(150, () => (stored = true)) });
    apps.push(app);
    const storedWhenEnrolled: boolean[] = [];
    app.client.onState((s) => {
      if (s.kind === 'enrolled') storedWhenEnrolled.push(stored);
    });
    const state = await app.client.enroll(await gw.invite('slow-keychain@example.com'));
    expect(state).toMatchObject({ kind: 'enrolled', sessionExpiresAt: expect.any(String) });
    expect(storedWhenEnrolled[0]).toBe(true);
    expect((await keychainEntry(gw.url))?.record.deviceId).toBe((state as { deviceId: string }).deviceId);
    expect(stepsOf(app)).toEqual(['not-enrolled', 'enrolling:challenge', 'enrolling:attest', 'enrolling:enroll', 'enrolling:session', 'enrolled']);
  });

  it('a keychain that refuses the key fails the enrollment: keychain_unavailable, nothing stored, never enrolled', async () => {
    const refusing: Keychain = {
      ...createKeytarKeychain(),
      set: async () => {
        throw new ClientError('keychain_unavailable', 'test: the keychain refused to store the key');
      },
    };
    const app = await startApp({ gateway: gw.url, keychain: refusing });
    apps.push(app);
    await expect(app.client.enroll(await gw.invite('refusing-keychain@example.com'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
    expect(app.client.state()).toMatchObject({ kind: 'error', code: 'keychain_unavailable' });
    // Nothing (control channel, renewal) brings it to enrolled later.
    await delay(300);
    expect(app.states.some((s) => s.kind === 'enrolled')).toBe(false);
    expect(await keychainEntry(gw.url)).toBeNull();
  });

  it('a wipe asked for while the key is being stored runs after the store', async () => {
    const gateway = 'https://keychain-order.example';
    const vault = createVault({ keychain: slowSets(100), logger: memoryLogger(), cas: memoryCaFiles() });
    const key = await vault.createKey();
    const saving = key.save({
      gateway,
      pins: [gw.pin],
      caPems: [gw.caPem],
      deviceId: 'dev_keychainorder0000',
      tester: 'order@example.com',
      salt: 'c2FsdHNhbHRzYWx0c2FsdA',
      enrolledAt: new Date().toISOString(),
      policy: toClientPolicy(DEFAULT_POLICY),
    });
    const wiping = vault.wipe(gateway);
    await Promise.all([saving, wiping]);
    expect(await keychainEntry(gateway)).toBeNull();
  });
});
