import type { LockNotice } from '../../protocol/errors.js';

/** Why a connection is cut: a revocation, a suspension, or a lock (which carries its notice). */
export type CutCode = 'device_revoked' | 'tester_suspended' | 'device_locked';

/**
 * Every live connection of an authenticated device (event channels and open model streams), so
 * that a revocation can cut them at once. The admin socket and the cross-instance listener call
 * `cutDevice` / `cutTester`; the events and model plugins `add` their connections.
 */
export interface LiveConnection {
  deviceId: string;
  tester: string;
  kind: 'events' | 'stream';
  /**
   * Ends the connection; for events, after sending `revoked` with the reason (or `locked` with the
   * notice, for a lock). Must not throw.
   */
  cut(reason: string, code: CutCode, lock?: LockNotice): void;
}

export interface ConnectionHub {
  /** Registers a connection; the returned function removes it (call it when the connection ends). */
  add(connection: LiveConnection): () => void;
  cutDevice(deviceId: string, reason: string): number;
  cutTester(tester: string, reason: string): number;
  /** Cuts like a revocation, but the connections are told of a lock (issue 13): a device's, or every device of a tester. */
  cutLocked(target: { deviceId: string } | { tester: string }, lock: LockNotice): number;
  /** The devices holding connections now, with their tester and open connections by kind (`status`). */
  snapshot(): { deviceId: string; tester: string; events: number; streams: number; since: string }[];
  count(filter?: { deviceId?: string; kind?: LiveConnection['kind'] }): number;
  /** Model calls in flight now (connections of kind `stream`), kept as a count: read on every call. */
  openStreams(): number;
  /** How many testers and devices the hub is tracking (to prove it forgets closed connections). */
  tracked(): { testers: number; devices: number };
  /** Calls `listener` with the device whenever one of its connections opens, closes or is cut (the admin console's live feed). */
  watch(listener: (deviceId: string) => void): () => void;
}

export function createConnectionHub(): ConnectionHub {
  const byDevice = new Map<string, Set<LiveConnection>>();
  const byTester = new Map<string, Set<string>>();
  const openedAt = new WeakMap<LiveConnection, number>();
  const watchers = new Set<(deviceId: string) => void>();
  let streams = 0;
  function changed(deviceId: string): void {
    for (const watcher of watchers) {
      try {
        watcher(deviceId);
      } catch {
        // A watcher's failure is its own; the connection is counted all the same.
      }
    }
  }

  // Forgets the tester once none of their devices holds a connection, so the maps do not grow
  // with every tester ever seen.
  function forgetTesterDevice(tester: string, deviceId: string): void {
    const testerDevices = byTester.get(tester);
    if (testerDevices?.delete(deviceId) && testerDevices.size === 0) byTester.delete(tester);
  }

  function cutAll(deviceId: string, reason: string, code: CutCode, lock?: LockNotice): number {
    const connections = byDevice.get(deviceId);
    if (!connections) return 0;
    byDevice.delete(deviceId);
    for (const connection of connections) forgetTesterDevice(connection.tester, deviceId);
    let cut = 0;
    for (const connection of connections) {
      try {
        connection.cut(reason, code, lock);
      } catch {
        // A connection that fails to close politely is still dropped from the hub.
      }
      cut++;
    }
    changed(deviceId);
    return cut;
  }

  return {
    add(connection) {
      let set = byDevice.get(connection.deviceId);
      if (!set) byDevice.set(connection.deviceId, (set = new Set()));
      set.add(connection);
      openedAt.set(connection, Date.now());
      let devices = byTester.get(connection.tester);
      if (!devices) byTester.set(connection.tester, (devices = new Set()));
      devices.add(connection.deviceId);
      if (connection.kind === 'stream') streams++;
      let counted = connection.kind === 'stream';
      const uncount = (): void => {
        if (counted) streams--;
        counted = false;
      };
      changed(connection.deviceId);
      return () => {
        uncount();
        const current = byDevice.get(connection.deviceId);
        if (!current?.delete(connection)) return;
        if (current.size === 0) {
          // The device's last connection closed: forget it.
          byDevice.delete(connection.deviceId);
          forgetTesterDevice(connection.tester, connection.deviceId);
        }
        changed(connection.deviceId);
      };
    },
    cutDevice(deviceId, reason) {
      return cutAll(deviceId, reason, 'device_revoked');
    },
    cutTester(tester, reason) {
      const devices = byTester.get(tester);
      if (!devices) return 0;
      let cut = 0;
      for (const deviceId of [...devices]) cut += cutAll(deviceId, reason, 'tester_suspended');
      byTester.delete(tester);
      return cut;
    },
    cutLocked(target, lock) {
      const reason = lock.message ?? 'locked by an admin';
      if ('deviceId' in target) return cutAll(target.deviceId, reason, 'device_locked', lock);
      let cut = 0;
      for (const deviceId of [...(byTester.get(target.tester) ?? [])]) cut += cutAll(deviceId, reason, 'device_locked', lock);
      return cut;
    },
    snapshot() {
      return [...byDevice].map(([deviceId, set]) => {
        let events = 0;
        let tester = '';
        let since = Infinity;
        for (const c of set) {
          tester = c.tester;
          since = Math.min(since, openedAt.get(c) ?? Infinity);
          if (c.kind === 'events') events++;
        }
        return { deviceId, tester, events, streams: set.size - events, since: new Date(Number.isFinite(since) ? since : Date.now()).toISOString() };
      });
    },
    watch(listener) {
      watchers.add(listener);
      return () => void watchers.delete(listener);
    },
    tracked() {
      return { testers: byTester.size, devices: byDevice.size };
    },
    openStreams() {
      return streams;
    },
    count(filter) {
      // One device's set when a device is named, not a walk over every device.
      const sets = filter?.deviceId === undefined ? byDevice.values() : [byDevice.get(filter.deviceId) ?? new Set<LiveConnection>()];
      let n = 0;
      for (const set of sets) for (const c of set) if (filter?.kind === undefined || c.kind === filter.kind) n++;
      return n;
    },
  };
}
