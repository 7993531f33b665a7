/**
 * gateway/server/loop-busy.ts: the proof verifier leaves the event loop only when the loop has
 * been busy, judged over the last window of perf_hooks' counters, not since the process started.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchLoopBusy, type LoopTimes } from '../../../gateway/server/loop-busy.js';

describe('watchLoopBusy', () => {
  afterEach(() => void vi.useRealTimers());

  it('says busy for a window over the threshold and idle again for the next one below it', () => {
    vi.useFakeTimers();
    // A long idle past: a measure since the start would stay under 0.5 through every window below.
    const times: LoopTimes = { active: 0, idle: 10_000 };
    const loop = watchLoopBusy({ threshold: 0.5, windowMs: 50, sample: () => ({ ...times }) });
    expect(loop.busy).toBe(false);
    times.active += 40;
    times.idle += 10;
    vi.advanceTimersByTime(50);
    expect(loop.busy).toBe(true);
    times.active += 10;
    times.idle += 40;
    vi.advanceTimersByTime(50);
    expect(loop.busy).toBe(false);
    // Exactly at the threshold is not over it; a window in which no time passed says idle.
    times.active += 25;
    times.idle += 25;
    vi.advanceTimersByTime(50);
    expect(loop.busy).toBe(false);
    vi.advanceTimersByTime(50);
    expect(loop.busy).toBe(false);
    loop.stop();
  });

  it('reads the real event loop: a loop kept running reads busy, a waiting one idle', async () => {
    const loop = watchLoopBusy({ windowMs: 20 });
    const until = Date.now() + 120;
    // Busy: short synchronous spins, each a separate task, so the sampler's timer still runs between them.
    while (Date.now() < until) {
      const spinUntil = Date.now() + 5;
      while (Date.now() < spinUntil);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(loop.busy).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(loop.busy).toBe(false);
    loop.stop();
  });
});
