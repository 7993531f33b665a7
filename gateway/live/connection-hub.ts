/**
 * Every live connection of an authenticated device (event channels and open model streams), so
 * that a revocation can cut them at once. The admin socket and the cross-instance listener call
 * `cutDevice` / `cutTester`; the events and model plugins `add` their connections.
 */
export interface LiveConnection {
  deviceId: string;
  tester: string;
  kind: 'events' | 'stream';
  /** Ends the connection; for events, after sending `revoked` with the reason. Must not throw. */
  cut(reason: string, code: 'device_revoked' | 'tester_suspended'): void;
}

export interface ConnectionHub {
  /** Registers a connection; the returned function removes it (call it when the connection ends). */
  add(connection: LiveConnection): () => void;
  cutDevice(deviceId: string, reason: string): number;
  cutTester(tester: string, reason: string): number;
  count(filter?: { deviceId?: string; kind?: LiveConnection['kind'] }): number;
  /** How many testers and devices the hub is tracking (to prove it forgets closed connections). */
  tracked(): { testers: number; devices: number };
}

export function createConnectionHub(): ConnectionHub {
  const byDevice = new Map<string, Set<LiveConnection>>();
  const byTester = new Map<string, Set<string>>();

  // Forgets the tester once none of their devices holds a connection, so the maps do not grow
  // with every tester ever seen.
  function forgetTesterDevice(tester: string, deviceId: string): void {
    const testerDevices = byTester.get(tester);
    if (testerDevices?.delete(deviceId) && testerDevices.size === 0) byTester.delete(tester);
  }

  function cutAll(deviceId: string, reason: string, code: 'device_revoked' | 'tester_suspended'): number {
    const connections = byDevice.get(deviceId);
    if (!connections) return 0;
    byDevice.delete(deviceId);
    for (const connection of connections) forgetTesterDevice(connection.tester, deviceId);
    let cut = 0;
    for (const connection of connections) {
      try {
        connection.cut(reason, code);
      } catch {
        // A connection that fails to close politely is still dropped from the hub.
      }
      cut++;
    }
    return cut;
  }

  return {
    add(connection) {
      let set = byDevice.get(connection.deviceId);
      if (!set) byDevice.set(connection.deviceId, (set = new Set()));
      set.add(connection);
      let devices = byTester.get(connection.tester);
      if (!devices) byTester.set(connection.tester, (devices = new Set()));
      devices.add(connection.deviceId);
      return () => {
        const current = byDevice.get(connection.deviceId);
        if (!current?.delete(connection) || current.size > 0) return;
        // The device's last connection closed: forget it.
        byDevice.delete(connection.deviceId);
        forgetTesterDevice(connection.tester, connection.deviceId);
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
    tracked() {
      return { testers: byTester.size, devices: byDevice.size };
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
