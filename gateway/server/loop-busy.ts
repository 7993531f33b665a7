import { performance } from 'node:perf_hooks';

/** Whether the event loop has been busy lately: read on every call, so it is a field, not a measurement. */
export interface LoopBusy {
  /** The share of the last window the event loop spent running (0 to 1) was above the threshold. */
  readonly busy: boolean;
  stop(): void;
}

/** Milliseconds the event loop spent running and waiting since the process started (perf_hooks' counters). */
export interface LoopTimes {
  active: number;
  idle: number;
}

/**
 * Samples the event loop's utilization (the share of time it ran callbacks rather than waited for
 * I/O) every `windowMs` and says whether the last window was above `threshold`. Work that can
 * leave the event loop at a cost (a thread hop) should leave it only when it is busy: a gateway
 * whose loop mostly waits gains nothing from the hop and pays it in latency.
 */
export function watchLoopBusy(options: { threshold?: number; windowMs?: number; sample?: () => LoopTimes } = {}): LoopBusy {
  const threshold = options.threshold ?? 0.5;
  const sample = options.sample ?? (() => performance.eventLoopUtilization());
  let last = sample();
  let busy = false;
  const timer = setInterval(() => {
    const now = sample();
    const active = now.active - last.active;
    const total = active + (now.idle - last.idle);
    busy = total > 0 && active / total > threshold;
    last = now;
  }, options.windowMs ?? 50);
  timer.unref();
  return {
    get busy() {
      return busy;
    },
    stop: () => clearInterval(timer),
  };
}
