/**
 * One timer per model call that fires when the upstream is silent for too long. It is disarmed
 * while the gateway waits for a slow client to drain, so a slow reader is never blamed on the
 * upstream. `touch` is a cheap re-arm (Timeout.refresh), called once per upstream chunk.
 */
export interface StallTimer {
  arm(ms: number): void;
  touch(): void;
  disarm(): void;
}

export function createStallTimer(onStall: () => void): StallTimer {
  let timer: NodeJS.Timeout | null = null;
  return {
    arm(ms) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onStall, ms);
    },
    touch() {
      timer?.refresh();
    },
    disarm() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
