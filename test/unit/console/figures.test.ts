import { describe, expect, it } from 'vitest';
import { callsPerHour, refusalsByCode, toCsv } from '../../../gateway/console/figures.js';
import type { AuditEntry } from '../../../gateway/store/store.js';

let seq = 0;
const entry = (type: string, time: string, subject: string, details: Record<string, unknown>): AuditEntry => ({ seq: ++seq, time, type, actor: 'device:dev_x', subject, details: JSON.stringify(details), prevHash: '0', hash: '1' });
const call = (time: string, tester: string, model: string, prompt: number, completion: number, extra: Record<string, unknown> = {}) => entry('model.call', time, model, { tester, promptTokens: prompt, completionTokens: completion, outcome: 'ok', ...extra });

const NOW = Date.parse('2030-01-02T12:30:00Z');
const entries = [
  call('2030-01-02T12:10:00Z', 'ada@x', 'm1', 10, 20),
  call('2030-01-02T11:59:59Z', 'ada@x', 'm2', 1, 2, { outcome: 'cut' }),
  call('2030-01-02T12:20:00Z', 'bob@x', 'm1', 100, 0),
  call('2030-01-02T12:25:00Z', 'bob@x', 'm1', 0, 0, { outcome: 'error', code: 'rate_limited' }),
  call('2030-01-01T12:00:00Z', 'old@x', 'm1', 5, 5), // 24.5 h ago: outside the 24 buckets
  entry('refusal', '2030-01-02T12:00:00Z', 'GET /v1/models', { code: 'dpop_replay' }),
  entry('refusal', '2030-01-02T12:01:00Z', 'GET /v1/models', { code: 'dpop_replay' }),
  entry('admin.device.revoke', '2030-01-02T12:02:00Z', 'dev_x', { reason: 'r' }),
];

describe('console figures', () => {
  it('buckets calls and tokens per hour over 24 h, oldest first', () => {
    const hours = callsPerHour(entries, NOW);
    expect(hours).toHaveLength(24);
    expect(hours[0]!.start).toBe('2030-01-01T13:00:00.000Z');
    expect(hours[23]).toEqual({ start: '2030-01-02T12:00:00.000Z', requests: 3, tokens: 130 });
    expect(hours[22]).toEqual({ start: '2030-01-02T11:00:00.000Z', requests: 1, tokens: 3 });
    expect(hours.reduce((n, h) => n + h.requests, 0)).toBe(4);
  });

  it('counts refusals by code, refused model calls included', () => {
    expect(refusalsByCode(entries)).toEqual([{ code: 'dpop_replay', count: 2 }, { code: 'rate_limited', count: 1 }]);
  });

  it('writes CSV that a spreadsheet cannot run as a formula', () => {
    expect(toCsv(['tester', 'n'], [['=HYPERLINK("x")', 1], ['a,b', 2]])).toBe('tester,n\r\n"\'=HYPERLINK(""x"")",1\r\n"a,b",2\r\n');
  });
});
