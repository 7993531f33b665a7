import { describe, expect, it } from 'vitest';
import { createReplayCache } from '../../../protocol/dpop/replay-cache.js';

describe('replay cache (PROTOCOL.md: a jti seen before is refused)', () => {
  it('accepts a jti once and refuses it again while it is live', () => {
    const cache = createReplayCache();
    expect(cache.check('jti-1', 1_120, 1_000)).toBe(true);
    expect(cache.check('jti-1', 1_120, 1_000)).toBe(false);
    expect(cache.check('jti-1', 1_120, 1_119)).toBe(false);
    expect(cache.check('jti-2', 1_120, 1_000)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('forgets a jti once it expires (its iat is out of the window by then)', () => {
    const cache = createReplayCache();
    cache.check('old', 1_060, 1_000);
    cache.check('newer', 1_200, 1_000);
    expect(cache.size).toBe(2);
    expect(cache.check('other', 1_300, 1_061)).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.check('old', 1_400, 1_300)).toBe(true);
  });

  it('fails closed when full of live entries, and recovers as they expire', () => {
    const cache = createReplayCache({ maxEntries: 3 });
    expect(cache.check('a', 1_100, 1_000)).toBe(true);
    expect(cache.check('b', 1_100, 1_000)).toBe(true);
    expect(cache.check('c', 1_100, 1_000)).toBe(true);
    expect(cache.check('d', 1_100, 1_000)).toBe(false);
    expect(cache.check('a', 1_100, 1_000)).toBe(false);
    expect(cache.size).toBe(3);
    expect(cache.check('d', 1_200, 1_100)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('stays bounded under a flood of distinct jtis', () => {
    const cache = createReplayCache({ maxEntries: 1_000 });
    let refused = 0;
    for (let i = 0; i < 5_000; i++) if (!cache.check(`j${i}`, 2_000, 1_000)) refused++;
    expect(cache.size).toBe(1_000);
    expect(refused).toBe(4_000);
  });
});
