import { describe, expect, it } from 'vitest';
import { createDayFigures } from '../../../gateway/console/day-figures.js';
import { callsPerHour } from '../../../gateway/console/figures.js';
import { fakeAuditLog } from './fake-audit-log.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-01-02T12:30:00Z');

describe('the overview 24 h figures, kept up to date', () => {
  it('sums calls, tokens and refusals per hour as a full read would, then reads only what is new', async () => {
    const { log, read, store, add } = fakeAuditLog();
    for (let i = 0; i < 300; i++) add('model.call', NOW - 25 * HOUR + i * 5 * 60_000, { promptTokens: 1, completionTokens: 2, outcome: 'ok' });
    add('model.call', NOW - 60_000, { promptTokens: 0, completionTokens: 0, outcome: 'error', code: 'rate_limited' });
    add('refusal', NOW - 120_000, { code: 'dpop_replay' });
    add('admin.device.revoke', NOW - 30_000, { reason: 'x' });
    const figures = createDayFigures(store, { pageSize: 50 });

    const first = await figures.at(NOW);
    expect(first.hours).toEqual(callsPerHour(log, NOW));
    expect(first.hours.reduce((n, h) => n + h.requests, 0)).toBe(log.filter((e) => e.type === 'model.call' && Date.parse(e.time) >= Math.floor(NOW / HOUR) * HOUR - 23 * HOUR).length);
    expect(first.refusals).toEqual([{ code: 'dpop_replay', count: 1 }, { code: 'rate_limited', count: 1 }]);

    read.rows = 0;
    add('model.call', NOW, { promptTokens: 10, completionTokens: 20, outcome: 'ok' });
    add('refusal', NOW, { code: 'dpop_replay' });
    const second = await figures.at(NOW);
    // Two entries are new: each type's read returns at most two rows, not the day's 300.
    expect(read.rows).toBeLessThanOrEqual(4);
    expect(second.hours.at(-1)).toEqual({ ...first.hours.at(-1)!, requests: first.hours.at(-1)!.requests + 1, tokens: first.hours.at(-1)!.tokens + 30 });
    expect(second.refusals[0]).toEqual({ code: 'dpop_replay', count: 2 });
    expect(second.hours).toEqual(callsPerHour(log, NOW));
  });

  it('drops hours that left the window', async () => {
    const { store, add } = fakeAuditLog();
    add('refusal', NOW - 2 * HOUR, { code: 'old_code' });
    const figures = createDayFigures(store);
    expect((await figures.at(NOW)).refusals).toEqual([{ code: 'old_code', count: 1 }]);
    expect((await figures.at(NOW + 23 * HOUR)).refusals).toEqual([]);
  });

  it('folds each entry once when two page loads look at the same time', async () => {
    const { store, add } = fakeAuditLog();
    add('model.call', NOW, { promptTokens: 1, completionTokens: 1, outcome: 'ok' });
    const figures = createDayFigures(store);
    const [a, b] = await Promise.all([figures.at(NOW), figures.at(NOW)]);
    expect(a.hours.at(-1)!.requests).toBe(1);
    expect(b.hours.at(-1)!.requests).toBe(1);
  });
});
