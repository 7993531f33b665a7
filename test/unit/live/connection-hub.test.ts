import { describe, expect, it } from 'vitest';
import { createConnectionHub, type LiveConnection } from '../../../gateway/live/connection-hub.js';

function connection(deviceId: string, tester: string, kind: LiveConnection['kind'] = 'events') {
  const cuts: Array<{ reason: string; code: string }> = [];
  const c: LiveConnection = { deviceId, tester, kind, cut: (reason, code) => void cuts.push({ reason, code }) };
  return { c, cuts };
}

describe('connection hub', () => {
  it('cuts every connection of a revoked device and only those', () => {
    const hub = createConnectionHub();
    const a1 = connection('dev_a', 't@x.test');
    const a2 = connection('dev_a', 't@x.test', 'stream');
    const b = connection('dev_b', 't@x.test');
    hub.add(a1.c);
    hub.add(a2.c);
    hub.add(b.c);
    expect(hub.cutDevice('dev_a', 'lost laptop')).toBe(2);
    expect(a1.cuts).toEqual([{ reason: 'lost laptop', code: 'device_revoked' }]);
    expect(a2.cuts).toHaveLength(1);
    expect(b.cuts).toHaveLength(0);
    expect(hub.count()).toBe(1);
    expect(hub.cutDevice('dev_a', 'again')).toBe(0);
  });

  it('cuts all devices of a suspended tester with the tester_suspended code', () => {
    const hub = createConnectionHub();
    const a = connection('dev_a', 't@x.test');
    const b = connection('dev_b', 't@x.test', 'stream');
    const other = connection('dev_c', 'u@x.test');
    for (const x of [a, b, other]) hub.add(x.c);
    expect(hub.cutTester('t@x.test', 'contract ended')).toBe(2);
    expect(a.cuts[0]?.code).toBe('tester_suspended');
    expect(b.cuts[0]?.code).toBe('tester_suspended');
    expect(other.cuts).toHaveLength(0);
    expect(hub.tracked()).toEqual({ testers: 1, devices: 1 });
  });

  it('forgets devices and testers whose connections closed or were cut', () => {
    const hub = createConnectionHub();
    const removers = [connection('dev_a', 't@x.test'), connection('dev_b', 't@x.test'), connection('dev_c', 'u@x.test')].map((x) => hub.add(x.c));
    for (const remove of removers) remove();
    expect(hub.tracked()).toEqual({ testers: 0, devices: 0 });
    const remove = hub.add(connection('dev_d', 'v@x.test').c);
    hub.cutDevice('dev_d', 'r');
    remove(); // closing after a cut is harmless
    expect(hub.tracked()).toEqual({ testers: 0, devices: 0 });
  });

  it('keeps cutting the rest when one connection throws', () => {
    const hub = createConnectionHub();
    hub.add({ deviceId: 'dev_a', tester: 't@x.test', kind: 'events', cut: () => { throw new Error('socket gone'); } });
    const ok = connection('dev_a', 't@x.test', 'stream');
    hub.add(ok.c);
    expect(hub.cutDevice('dev_a', 'r')).toBe(2);
    expect(ok.cuts).toHaveLength(1);
  });

  it('counts model calls in flight, not event channels, until each is removed (cut or not), once', () => {
    const hub = createConnectionHub();
    hub.add(connection('dev_a', 't@x.test', 'events').c);
    expect(hub.openStreams()).toBe(0);
    const first = hub.add(connection('dev_a', 't@x.test', 'stream').c);
    const second = hub.add(connection('dev_b', 'u@x.test', 'stream').c);
    expect(hub.openStreams()).toBe(2);
    // A cut stream is still in flight until its call ends and removes it.
    hub.cutDevice('dev_a', 'r');
    expect(hub.openStreams()).toBe(2);
    first();
    first();
    expect(hub.openStreams()).toBe(1);
    second();
    expect(hub.openStreams()).toBe(0);
  });
});
