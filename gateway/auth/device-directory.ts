import type { DeviceStatusValue, Store, TesterStatus } from '../store/store.js';

export interface DeviceState {
  deviceId: string;
  tester: string;
  jkt: string;
  status: DeviceStatusValue;
}

/**
 * What an authenticated call needs to know about its device, kept in memory so the hot path does
 * not read the store: the device's status and its tester's. Revocations made through this gateway
 * update it before the admin is answered, so the very next request is refused. (Several instances:
 * a listener on the shared store calls `markDeviceRevoked` / `markTesterSuspended` too.)
 */
export interface DeviceDirectory {
  /** The device's state, read from the store on first use; null when unknown. */
  get(deviceId: string): Promise<DeviceState | null>;
  testerStatus(tester: string): Promise<TesterStatus | null>;
  /** What `get` would answer from memory alone, without waiting; undefined when not cached. */
  peek(deviceId: string): DeviceState | undefined;
  /** What `testerStatus` would answer from memory alone; undefined when not cached. */
  peekTesterStatus(tester: string): TesterStatus | undefined;
  markDeviceRevoked(deviceId: string): void;
  markTesterSuspended(tester: string, deviceIds: readonly string[]): void;
  /** `tester resume`: the tester is active again (their revoked devices stay revoked). */
  markTesterResumed(tester: string): void;
  /** Records a new device (enrollment). */
  remember(state: DeviceState, testerStatus: TesterStatus): void;
  /** Throttled lastSeenAt: true when the store should be told now (at most once a minute). */
  shouldTouch(deviceId: string, nowMs: number): boolean;
}

export function createDeviceDirectory(store: Store, options: { touchEveryMs?: number; maxEntries?: number } = {}): DeviceDirectory {
  const touchEvery = options.touchEveryMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 100_000;
  const devices = new Map<string, DeviceState>();
  const testers = new Map<string, TesterStatus>();
  const lastTouch = new Map<string, number>();
  // Tombstones, never evicted: a revocation that lands while a store read is in flight still wins.
  const revoked = new Set<string>();
  const suspended = new Set<string>();

  function bound(): void {
    // Evicting only forgets a cache entry; the store still holds the truth and is read again.
    if (devices.size > maxEntries) devices.delete(devices.keys().next().value!);
    if (lastTouch.size > maxEntries) lastTouch.delete(lastTouch.keys().next().value!);
  }

  return {
    async get(deviceId) {
      const cached = devices.get(deviceId);
      if (cached) return cached;
      const record = await store.getDevice(deviceId);
      if (!record) return null;
      // A revocation may have landed while the store was read; never resurrect a revoked device.
      const raced = devices.get(deviceId);
      if (raced) return raced;
      const state: DeviceState = { deviceId: record.id, tester: record.tester, jkt: record.jkt, status: revoked.has(record.id) ? 'revoked' : record.status };
      devices.set(deviceId, state);
      bound();
      return state;
    },
    async testerStatus(tester) {
      const cached = testers.get(tester);
      if (cached) return cached;
      const record = await store.getTester(tester);
      if (!record) return null;
      const raced = testers.get(tester);
      if (raced) return raced;
      const status = suspended.has(tester) ? 'suspended' : record.status;
      testers.set(tester, status);
      if (testers.size > maxEntries) testers.delete(testers.keys().next().value!);
      return status;
    },
    peek(deviceId) {
      return devices.get(deviceId);
    },
    peekTesterStatus(tester) {
      return testers.get(tester);
    },
    markDeviceRevoked(deviceId) {
      revoked.add(deviceId);
      const cached = devices.get(deviceId);
      if (cached) cached.status = 'revoked';
    },
    markTesterSuspended(tester, deviceIds) {
      suspended.add(tester);
      testers.set(tester, 'suspended');
      for (const id of deviceIds) {
        revoked.add(id);
        const cached = devices.get(id);
        if (cached) cached.status = 'revoked';
      }
    },
    markTesterResumed(tester) {
      suspended.delete(tester);
      testers.set(tester, 'active');
      // A suspension announced by another instance names only the tester: their devices were
      // refused through the tester's status, and their cached states may still say active. The
      // store revoked them with the suspension, so forget them and read its word again.
      for (const [id, state] of devices) if (state.tester === tester && !revoked.has(id)) devices.delete(id);
    },
    remember(state, testerStatus) {
      devices.set(state.deviceId, state);
      testers.set(state.tester, testerStatus);
      bound();
    },
    shouldTouch(deviceId, nowMs) {
      const last = lastTouch.get(deviceId);
      if (last !== undefined && nowMs - last < touchEvery) return false;
      lastTouch.delete(deviceId);
      lastTouch.set(deviceId, nowMs);
      bound();
      return true;
    },
  };
}
