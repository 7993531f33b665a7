/**
 * Open model calls per device. A slot is taken before the upstream is called and given back
 * exactly once when the call ends, however it ends.
 */
export interface StreamSlots {
  /** Returns a release function, or null when the device already holds `max` slots. */
  acquire(deviceId: string, max: number): (() => void) | null;
  open(deviceId: string): number;
}

export function createStreamSlots(): StreamSlots {
  const open = new Map<string, number>();
  return {
    acquire(deviceId, max) {
      const n = open.get(deviceId) ?? 0;
      if (n >= max) return null;
      open.set(deviceId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(deviceId) ?? 1) - 1;
        if (left <= 0) open.delete(deviceId);
        else open.set(deviceId, left);
      };
    },
    open: (deviceId) => open.get(deviceId) ?? 0,
  };
}
