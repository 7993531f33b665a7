import { describe, expect, it } from 'vitest';
import { ClusterUnavailableError, createClusterGate } from '../../../gateway/cluster/gate.js';

describe('cluster gate', () => {
  it('starts closed and refuses until opened', () => {
    const gate = createClusterGate();
    expect(gate.isOpen()).toBe(false);
    expect(() => gate.assertOpen()).toThrow(ClusterUnavailableError);
    gate.open();
    expect(() => gate.assertOpen()).not.toThrow();
  });

  it('closes with a reason carried by the refusal, as a 503', () => {
    const gate = createClusterGate();
    gate.open();
    gate.close('connection ended');
    let caught: unknown;
    try {
      gate.assertOpen();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClusterUnavailableError);
    expect((caught as ClusterUnavailableError).statusCode).toBe(503);
    expect((caught as Error).message).toContain('connection ended');
  });

  it('resolves waiters on open and reports each change once', async () => {
    const gate = createClusterGate();
    const seen: string[] = [];
    gate.onChange((state) => seen.push(state));
    let resolved = false;
    const waiting = gate.whenOpen().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    gate.open();
    gate.open();
    await waiting;
    expect(resolved).toBe(true);
    gate.close('a');
    gate.close('b');
    expect(gate.reason).toBe('b');
    expect(seen).toEqual(['open', 'closed']);
  });
});
