import { describe, expect, it } from 'vitest';
import { createRequestRateLimiter } from '../../../gateway/limits/request-rate.js';
import { checkTokenBudget, createMemoryTokenLedger, secondsToUtcMidnight, utcDay } from '../../../gateway/limits/token-budget.js';
import { createStreamSlots } from '../../../gateway/limits/stream-slots.js';
import { createModelLimits } from '../../../gateway/limits/model-limits.js';
import { isAirlockError } from '../../../protocol/errors.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

describe('requests a minute (GCRA)', () => {
  it('allows a full minute of burst, then refuses with the exact wait', () => {
    const rate = createRequestRateLimiter();
    for (let i = 0; i < 6; i++) expect(rate.take('a', 6, T0).allowed).toBe(true);
    const refused = rate.take('a', 6, T0);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(rate.take('a', 6, T0 + 9_999).allowed).toBe(false);
    expect(rate.take('a', 6, T0 + 10_000).allowed).toBe(true);
    expect(rate.take('b', 6, T0).allowed).toBe(true);
  });

  it('refills over time and forgets idle keys', () => {
    const rate = createRequestRateLimiter();
    for (let i = 0; i < 60; i++) rate.take('a', 60, T0);
    expect(rate.take('a', 60, T0).retryAfterSeconds).toBe(1);
    expect(rate.take('a', 60, T0 + 30_000).allowed).toBe(true);
    rate.take('z', 60, T0 + 200_000);
    expect(rate.size()).toBe(1);
  });
});

describe('tokens a day', () => {
  it('uses UTC days and waits until UTC midnight', () => {
    expect(utcDay(T0)).toBe('2026-01-10');
    expect(secondsToUtcMidnight(T0)).toBe(12 * 3600);
    expect(checkTokenBudget(99, 100, T0).allowed).toBe(true);
    expect(checkTokenBudget(100, 100, T0)).toEqual({ allowed: false, retryAfterSeconds: 12 * 3600 });
  });

  it('memory ledger counts per tester and day', async () => {
    const ledger = createMemoryTokenLedger();
    await ledger.addTokenUsage('a', 10, new Date(T0));
    await ledger.addTokenUsage('a', 5, new Date(T0 + 1000));
    await ledger.addTokenUsage('a', 7, new Date(T0 + 86_400_000));
    expect(await ledger.tokensUsedToday('a', new Date(T0))).toBe(15);
    expect(await ledger.tokensUsedToday('b', new Date(T0))).toBe(0);
  });
});

describe('open streams a device', () => {
  it('gives back each slot exactly once', () => {
    const slots = createStreamSlots();
    const r1 = slots.acquire('d', 2)!;
    const r2 = slots.acquire('d', 2)!;
    expect(slots.acquire('d', 2)).toBeNull();
    r1();
    r1();
    expect(slots.open('d')).toBe(1);
    expect(slots.acquire('d', 2)).not.toBeNull();
    r2();
  });
});

describe('model limits', () => {
  const limits = { requestsPerMinute: 2, tokensPerDay: 100, streamsPerDevice: 1, eventChannelsPerDevice: 4 };
  const call = { tester: 't@example.com', deviceId: 'd1' };

  it('refuses over each limit with rate_limited and a Retry-After, and a refusal holds no slot', async () => {
    const ledger = createMemoryTokenLedger();
    const model = createModelLimits(ledger);
    const first = await model.admit(call, limits, T0);
    await expect(model.admit(call, limits, T0)).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 1 });
    first.release();
    (await model.admit(call, limits, T0)).release();
    const third = await model.admit(call, limits, T0).catch((e: unknown) => e);
    expect(isAirlockError(third, 'rate_limited') && third.retryAfter).toBe(30);
    expect(model.slots.open('d1')).toBe(0);
  });

  it('refuses once the day\'s tokens are spent, until midnight UTC', async () => {
    const model = createModelLimits(createMemoryTokenLedger());
    await model.record(call.tester, 100, T0);
    await expect(model.admit(call, { ...limits, requestsPerMinute: 100 }, T0)).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 12 * 3600 });
    (await model.admit(call, { ...limits, requestsPerMinute: 100 }, T0 + 12 * 3600 * 1000)).release();
  });

  it('tells an admitted call what is left, and meters open calls against one budget (issue 12, hole 2)', async () => {
    const model = createModelLimits(createMemoryTokenLedger());
    const wide = { ...limits, requestsPerMinute: 100, streamsPerDevice: 2 };
    await model.record(call.tester, 30, T0);
    const a = await model.admit(call, wide, T0);
    const b = await model.admit(call, wide, T0);
    expect(a.tokensLeft).toBe(70);
    expect(a.meter(40)).toBe(true);
    expect(b.meter(30)).toBe(true);
    expect(b.meter(31)).toBe(false);
    a.release();
    b.release();
    await expect(model.admit(call, wide, T0)).rejects.toMatchObject({ code: 'rate_limited' });
    await a.finish(40, T0);
    await b.finish(31, T0);
    await expect(model.admit(call, wide, T0)).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('buffered token ledger', () => {
  it('counts at once in memory, writes to the store on flush, and re-reads the store after flushMs', async () => {
    const { createBufferedLedger } = await import('../../../gateway/limits/buffered-ledger.js');
    const store = createMemoryTokenLedger();
    const writes: number[] = [];
    const counting = { tokensUsedToday: store.tokensUsedToday, addTokenUsage: async (t: string, n: number, at: Date) => (writes.push(n), store.addTokenUsage(t, n, at)) };
    let now = T0;
    const ledger = createBufferedLedger(counting, { flushMs: 1000, now: () => now, onError: () => undefined });
    await store.addTokenUsage('a', 50, new Date(T0));
    expect(await ledger.tokensUsedToday('a', new Date(T0))).toBe(50);
    await ledger.addTokenUsage('a', 10, new Date(T0));
    await ledger.addTokenUsage('a', 5, new Date(T0));
    expect(await ledger.tokensUsedToday('a', new Date(T0))).toBe(65);
    expect(writes).toEqual([]);
    await ledger.flush();
    expect(writes).toEqual([15]);
    expect(await store.tokensUsedToday('a', new Date(T0))).toBe(65);
    // Another instance adds usage: seen once the cached figure is older than flushMs.
    await store.addTokenUsage('a', 100, new Date(T0));
    expect(await ledger.tokensUsedToday('a', new Date(T0))).toBe(65);
    now += 1001;
    expect(await ledger.tokensUsedToday('a', new Date(now))).toBe(165);
    await ledger.addTokenUsage('b', 3, new Date(now));
    await ledger.close();
    expect(await store.tokensUsedToday('b', new Date(now))).toBe(3);
  });
});
