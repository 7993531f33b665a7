/** gateway/refusals/: counted refusal summaries and the per-address refusal guard (issue 12, hole 5). */
import { describe, expect, it } from 'vitest';
import { createAddressGuard } from '../../../gateway/refusals/address-guard.js';
import { createRefusalSummaries } from '../../../gateway/refusals/refusal-summaries.js';
import { refusalSettingsFromEnv } from '../../../gateway/refusals/settings.js';
import type { AuditInput } from '../../../gateway/store/store.js';

describe('refusal summaries', () => {
  function setup(maxKeys = 100) {
    const written: AuditInput[] = [];
    let now = 0;
    const summaries = createRefusalSummaries({ append: async (e) => void written.push(e), windowMs: 60_000, maxKeys, now: () => now, onError: (e) => { throw e; } });
    return { written, summaries, at: (ms: number) => (now = ms) };
  }
  const refusal = (client: string, code: 'token_invalid' | 'dpop_invalid' = 'token_invalid', actor = `client:${client}`) => ({ code, actor, subject: 'GET /v1/models', client });

  it('writes the first refusal of an address, code and actor, counts the rest, and summarises them when the window ends', async () => {
    const { written, summaries, at } = setup();
    for (let i = 0; i < 1000; i++) await summaries.note(refusal('10.0.0.1'));
    await summaries.note(refusal('10.0.0.1', 'dpop_invalid'));
    await summaries.note(refusal('10.0.0.2'));
    expect(written.map((e) => [e.type, e.actor])).toEqual([['refusal', 'client:10.0.0.1'], ['refusal', 'client:10.0.0.1'], ['refusal', 'client:10.0.0.2']]);
    at(61_000);
    await summaries.note(refusal('10.0.0.1'));
    expect(written.slice(3).map((e) => [e.type, e.details?.count])).toEqual([['refusal.summary', 999], ['refusal', undefined]]);
    await summaries.close();
    expect(written).toHaveLength(5);
  });

  it('counts addresses beyond maxKeys under one overflow key instead of growing without bound', async () => {
    const { written, summaries } = setup(2);
    for (let i = 0; i < 50; i++) await summaries.note(refusal(`10.0.1.${i}`));
    await summaries.close();
    expect(written.filter((e) => e.type === 'refusal')).toHaveLength(3);
    expect(written.find((e) => e.type === 'refusal.summary')).toMatchObject({ actor: 'client:*', details: { count: 47 } });
  });
});

describe('address guard', () => {
  it('blocks an address after its refusals a minute, for the time its allowance takes to refill, and no other', () => {
    const guard = createAddressGuard(60);
    for (let i = 0; i < 60; i++) expect(guard.noteRefusal('a', 0)).toBe(false);
    expect(guard.noteRefusal('a', 0)).toBe(true);
    expect(guard.blockedFor('a', 0)).toBe(1000);
    expect(guard.blockedFor('b', 0)).toBe(0);
    expect(guard.blockedFor('a', 1000)).toBe(0);
  });

  it('reads its settings from the environment and refuses nonsense', () => {
    expect(refusalSettingsFromEnv({ AIRLOCK_REFUSALS_PER_MINUTE: '30' }).refusalsPerMinute).toBe(30);
    expect(() => refusalSettingsFromEnv({ AIRLOCK_MAX_CONNECTIONS: '-1' })).toThrow(/AIRLOCK_MAX_CONNECTIONS must be a whole number/);
  });
});
