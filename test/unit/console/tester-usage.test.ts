import { describe, expect, it } from 'vitest';
import { summarizeUsage } from '../../../gateway/admin/usage.js';
import { createTesterUsage } from '../../../gateway/console/tester-usage.js';
import type { DeviceRecord } from '../../../gateway/store/store.js';
import { fakeAuditLog } from './fake-audit-log.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const NOW = Date.parse('2030-01-10T12:00:00Z');

/** The store's audit and device reads over arrays (fake-audit-log.ts), counting the reads. */
function fakeStore() {
  const audit = fakeAuditLog();
  const { log } = audit;
  const devices = new Map<string, string>();
  const read = Object.assign(audit.read, { deviceLists: 0 });
  const add = (type: string, atMs: number, deviceId: string, details: Record<string, unknown>) => audit.add(type, atMs, details, deviceId);
  const store = {
    ...audit.store,
    listDevices: async () => {
      read.deviceLists++;
      return [...devices].map(([id, tester]) => ({ id, tester }) as DeviceRecord);
    },
  };
  /** What `usageFromStore(store, { since, by: 'tester' })` answers: the full read of the window. */
  const fullRead = (nowMs: number) => {
    const since = new Date(nowMs - WEEK).toISOString();
    const rows = summarizeUsage(log.filter((e) => (e.type === 'model.call' || e.type === 'refusal') && e.time >= since), 'tester', (id) => devices.get(id));
    return new Map(rows.map((r) => [r.key, r] as const));
  };
  return { log, devices, read, store, add, fullRead };
}

describe("the testers' 7-day usage, kept up to date", () => {
  it('answers what a full read of the week answers, then reads only what is new', async () => {
    const { devices, read, store, add, fullRead } = fakeStore();
    devices.set('dev_a', 'ada@example.com').set('dev_b', 'bob@example.com');
    for (let i = 0; i < 400; i++) add('model.call', NOW - 8 * DAY + i * 30 * 60_000, i % 2 ? 'dev_a' : 'dev_b', { tester: i % 2 ? 'ada@example.com' : 'bob@example.com', promptTokens: i, completionTokens: 2 * i, outcome: i % 50 === 0 ? 'cut' : 'ok' });
    add('refusal', NOW - DAY, 'dev_a', { code: 'rate_limited' }); // no tester in the details: the device's
    add('refusal.summary', NOW - DAY, 'dev_a', { code: 'rate_limited', count: 9 }); // not a refusal of its own
    const usage = createTesterUsage(store, WEEK, { pageSize: 64 });

    const first = await usage.at(NOW);
    expect(first).toEqual(fullRead(NOW));
    expect(first.get('ada@example.com')!.refusals).toBe(1);

    read.rows = 0;
    add('model.call', NOW + 1000, 'dev_b', { tester: 'bob@example.com', promptTokens: 7, completionTokens: 8, outcome: 'ok' });
    const second = await usage.at(NOW + 1000);
    expect(second).toEqual(fullRead(NOW + 1000));
    // One entry is new: each type's read returns at most one row, not the week's 400.
    expect(read.rows).toBeLessThanOrEqual(2);
  });

  it('takes out what left the window, and a tester whose calls all left', async () => {
    const { devices, store, add, fullRead } = fakeStore();
    devices.set('dev_c', 'cy@example.com').set('dev_d', 'di@example.com');
    add('model.call', NOW - 6 * DAY, 'dev_c', { promptTokens: 1, completionTokens: 1, outcome: 'ok' });
    add('model.call', NOW - 2 * DAY, 'dev_d', { promptTokens: 5, completionTokens: 5, outcome: 'ok' });
    const usage = createTesterUsage(store, WEEK);
    expect([...(await usage.at(NOW)).keys()].sort()).toEqual(['cy@example.com', 'di@example.com']);
    const later = NOW + 3 * DAY;
    expect(await usage.at(later)).toEqual(fullRead(later));
    expect([...(await usage.at(later)).keys()]).toEqual(['di@example.com']);
  });

  it('reads the device list again only for a device it has not seen, and two looks at once count each entry once', async () => {
    const { devices, read, store, add, fullRead } = fakeStore();
    devices.set('dev_e', 'eve@example.com');
    add('model.call', NOW - DAY, 'dev_e', { promptTokens: 1, completionTokens: 1, outcome: 'ok' });
    const usage = createTesterUsage(store, WEEK);
    await usage.at(NOW);
    expect(read.deviceLists).toBe(1);
    add('model.call', NOW - 1000, 'dev_e', { promptTokens: 1, completionTokens: 1, outcome: 'ok' });
    await usage.at(NOW);
    expect(read.deviceLists).toBe(1);
    devices.set('dev_f', 'fay@example.com');
    add('model.call', NOW - 500, 'dev_f', { promptTokens: 3, completionTokens: 3, outcome: 'ok' });
    const [a, b] = await Promise.all([usage.at(NOW), usage.at(NOW)]);
    expect(read.deviceLists).toBe(2);
    expect(a).toEqual(fullRead(NOW));
    expect(b).toEqual(fullRead(NOW));
  });
});
