import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeResources, watchSilence } from '../../../bench/silence-watch.js';

describe('bench silence watch', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('says, after a quiet interval, how long the part was quiet and what the process waits on', () => {
    const lines: string[] = [];
    const watch = watchSilence((line) => lines.push(line), 60_000, () => ['TCPSocketWrap', 'Timeout', 'TCPSocketWrap', 'ProcessWrap']);
    vi.advanceTimersByTime(59_999);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(lines).toEqual(['still running, no line for 60 s; the process is waiting on 2 TCPSocketWrap, 1 ProcessWrap, 1 Timeout']);
    vi.advanceTimersByTime(60_000);
    expect(lines[1]).toMatch(/^still running, no line for 120 s;/);
    watch.stop();
  });

  it('stays quiet while the part keeps writing, and after it stops', () => {
    const lines: string[] = [];
    const watch = watchSilence((line) => lines.push(line), 60_000, () => []);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(30_000);
      watch.heard();
    }
    expect(lines).toEqual([]);
    watch.stop();
    vi.advanceTimersByTime(600_000);
    expect(lines).toEqual([]);
  });

  it('names nothing when nothing is pending', () => {
    expect(describeResources([])).toBe('nothing');
  });
});
