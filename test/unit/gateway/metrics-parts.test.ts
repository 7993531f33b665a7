/**
 * The metrics' pure parts: which addresses the listener may bind, the error code read from an
 * answer body, the counting store (failures by operation, audit appends in flight), and which
 * audit entries count as model calls.
 */
import { describe, expect, it } from 'vitest';
import { metricsBindRefusal } from '../../../gateway/metrics/listen-address.js';
import { createMetricSet } from '../../../gateway/metrics/metric-set.js';
import { modelCallOf } from '../../../gateway/metrics/model-call-metrics.js';
import { errorCodeOf } from '../../../gateway/metrics/request-hooks.js';
import { countedStore } from '../../../gateway/metrics/store-metrics.js';
import type { Store } from '../../../gateway/store/store.js';
import { parseExposition } from '../../helpers/prometheus-text.js';

describe('metrics listen address', () => {
  it('accepts loopback only, unless remote is allowed', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(metricsBindRefusal(host, false), host).toBeNull();
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'metrics.example', '::ffff:10.0.0.1', '128.0.0.1']) {
      expect(metricsBindRefusal(host, false), host).toContain('--metrics-allow-remote');
      expect(metricsBindRefusal(host, true)).toBeNull();
    }
    expect(metricsBindRefusal('127.0.0.1', false)).toBeNull();
  });
});

describe('error code of an answer body', () => {
  it('reads the wire table\'s codes and nothing else', () => {
    expect(errorCodeOf('{"error":{"code":"dpop_replay","message":"x"}}')).toBe('dpop_replay');
    expect(errorCodeOf('{"error":{"code":"made_up_code","message":"x"}}')).toBeNull();
    expect(errorCodeOf('{"error":{"code":"__proto__","message":"x"}}')).toBeNull();
    expect(errorCodeOf('{"ok":true}')).toBeNull();
    expect(errorCodeOf(Buffer.from('{"error":{"code":"dpop_replay"}}'))).toBeNull();
    expect(errorCodeOf(undefined)).toBeNull();
  });
});

describe('counting store', () => {
  it('counts failures by operation, keeps the store\'s own results and fields, and tracks audit appends in flight', async () => {
    const metrics = createMetricSet();
    let commit!: () => void;
    const store = {
      kind: 'fake',
      appendAudit: () => new Promise<void>((resolve) => (commit = resolve)),
      getDevice: async (id: string) => ({ id }),
      touchDevice: async () => {
        throw new Error('disk full');
      },
      listDevices: () => {
        throw new Error('sync failure');
      },
    } as unknown as Store & { kind: string };
    const counted = countedStore(store, metrics);
    expect(counted.kind).toBe('fake');
    expect(await counted.getDevice('dev_1')).toEqual({ id: 'dev_1' });
    await expect(counted.touchDevice('dev_1', 'now')).rejects.toThrow('disk full');
    expect(() => counted.listDevices()).toThrow('sync failure');
    const pending = counted.appendAudit({ type: 't', actor: 'a', subject: 's' });

    const during = parseExposition(await metrics.registry.metrics());
    expect(during.value('airlock_audit_queue_depth')).toBe(1);
    expect(during.value('airlock_store_errors_total', { operation: 'touchDevice' })).toBe(1);
    expect(during.value('airlock_store_errors_total', { operation: 'listDevices' })).toBe(1);
    expect(during.sum('airlock_store_errors_total', { operation: 'getDevice' })).toBe(0);
    commit();
    await pending;
    expect(parseExposition(await metrics.registry.metrics()).value('airlock_audit_queue_depth')).toBe(0);
  });
});

describe('model calls read from audit entries', () => {
  it('takes upstream, outcome, code and duration from a model.call entry and ignores the rest', () => {
    expect(modelCallOf({ type: 'model.call', actor: 'device:d', subject: 'm', details: { upstream: 'lab', outcome: 'error', code: 'upstream_timeout', durationMs: 1500, tester: 'a@b.c' } })).toEqual({
      upstream: 'lab',
      outcome: 'error',
      code: 'upstream_timeout',
      seconds: 1.5,
    });
    expect(modelCallOf({ type: 'model.call', actor: 'd', subject: 'm', details: { upstream: 'lab', outcome: 'weird', durationMs: 1 } })).toBeNull();
    expect(modelCallOf({ type: 'session', actor: 'd', subject: 'm', details: { upstream: 'lab', outcome: 'ok', durationMs: 1 } })).toBeNull();
  });
});
