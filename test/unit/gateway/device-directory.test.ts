import { describe, expect, it } from 'vitest';
import { createDeviceDirectory } from '../../../gateway/auth/device-directory.js';
import type { DeviceRecord, Store, TesterRecord } from '../../../gateway/store/store.js';

function fakeStore(devices: Record<string, Partial<DeviceRecord>>, testers: Record<string, Partial<TesterRecord>>) {
  let reads = 0;
  let gate: Promise<void> = Promise.resolve();
  const store = {
    async getDevice(id: string) {
      reads++;
      const found = devices[id];
      await gate;
      return found ? ({ id, tester: 't@example.com', jkt: 'jkt', status: 'active', ...found } as DeviceRecord) : null;
    },
    async getTester(email: string) {
      reads++;
      const found = testers[email];
      await gate;
      return found ? ({ email, status: 'active', createdAt: '', devices: 1, ...found } as TesterRecord) : null;
    },
  } as unknown as Store;
  return { store, reads: () => reads, hold: (p: Promise<void>) => (gate = p) };
}

describe('device directory', () => {
  it('reads the store once per device, then answers from memory', async () => {
    const fake = fakeStore({ dev_a: {} }, { 't@example.com': {} });
    const directory = createDeviceDirectory(fake.store);
    for (let i = 0; i < 5; i++) {
      expect((await directory.get('dev_a'))?.status).toBe('active');
      expect(await directory.testerStatus('t@example.com')).toBe('active');
    }
    expect(fake.reads()).toBe(2);
    expect(await directory.get('dev_missing')).toBeNull();
  });

  it('applies a revocation at once, even one that lands while the store is being read', async () => {
    const fake = fakeStore({ dev_a: {}, dev_b: {} }, { 't@example.com': {} });
    const directory = createDeviceDirectory(fake.store);
    expect((await directory.get('dev_a'))?.status).toBe('active');
    directory.markDeviceRevoked('dev_a');
    expect((await directory.get('dev_a'))?.status).toBe('revoked');

    let release!: () => void;
    fake.hold(new Promise((r) => (release = r)));
    const reading = directory.get('dev_b');
    const readingTester = directory.testerStatus('t@example.com');
    directory.markTesterSuspended('t@example.com', ['dev_b']);
    release();
    expect((await reading)?.status).toBe('revoked');
    expect(await readingTester).toBe('suspended');
  });

  it('after a resume announced by another instance, reads the tester\'s devices again: the suspension revoked them', async () => {
    const devices: Record<string, Partial<DeviceRecord>> = { dev_a: {} };
    const fake = fakeStore(devices, { 't@example.com': {} });
    const directory = createDeviceDirectory(fake.store);
    expect((await directory.get('dev_a'))?.status).toBe('active');
    // Another instance suspended the tester: this one hears only the tester's email.
    directory.markTesterSuspended('t@example.com', []);
    devices.dev_a = { status: 'revoked' }; // what the suspension's transaction wrote to the store
    expect(await directory.testerStatus('t@example.com')).toBe('suspended');
    directory.markTesterResumed('t@example.com');
    expect(await directory.testerStatus('t@example.com')).toBe('active');
    expect((await directory.get('dev_a'))?.status).toBe('revoked');
  });

  it('lets lastSeenAt through at most once a minute per device', () => {
    const directory = createDeviceDirectory(fakeStore({}, {}).store);
    expect(directory.shouldTouch('dev_a', 0)).toBe(true);
    expect(directory.shouldTouch('dev_a', 59_999)).toBe(false);
    expect(directory.shouldTouch('dev_b', 1)).toBe(true);
    expect(directory.shouldTouch('dev_a', 60_000)).toBe(true);
    expect(directory.shouldTouch('dev_a', 60_001)).toBe(false);
  });
});
