import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUpstreams } from '../../../gateway/model/upstream-config.js';
import { startHarness, type Harness } from './plugin-harness.js';
import { allEvents } from './sse-read.js';

/**
 * A revocation that lands after authentication but before the connection is in the hub finds
 * nothing to cut; the plugins re-check the device once registered and cut themselves.
 */
describe('revocation racing a new connection', () => {
  let h: Harness;
  const revoked = new Set(['dev_RRRRRRRRRRRRRRRRRRRR']);
  beforeAll(async () => {
    h = await startHarness(parseUpstreams('t', { upstreams: [{ kind: 'demo', tokensPerSecond: 0 }] }), {
      stillActive: async (device) => !revoked.has(device.deviceId),
      heartbeatMs: 50,
    });
  });
  afterAll(async () => h?.close());

  const headers = (id: string) => ({ 'x-test-device': `${id} r@example.com`, 'content-type': 'application/json' });

  it('an event channel opened by a just-revoked device gets revoked and closes', async () => {
    const res = await fetch(`${h.url}/v1/events`, { headers: headers('dev_RRRRRRRRRRRRRRRRRRRR') });
    const events = await allEvents(res.body);
    expect(events.map((e) => e.event)).toEqual(['heartbeat', 'revoked']);
    expect(h.hub.count()).toBe(0);
  });

  it('a model call of a just-revoked device never reaches the upstream', async () => {
    const res = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: headers('dev_RRRRRRRRRRRRRRRRRRRR'), body: JSON.stringify({ model: 'airlock-demo', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('device_revoked');
    await expect.poll(() => h.audits.at(-1)?.outcome).toBe('cut');
    expect(h.audits.at(-1)!.completionTokens).toBe(0);
  });

  it('an active device keeps its channel, with heartbeats on the configured interval', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/events`, { headers: headers('dev_AAAAAAAAAAAAAAAAAAAA'), signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const started = Date.now();
    while ((text.match(/event: heartbeat/g) ?? []).length < 3) text += decoder.decode((await reader.read()).value);
    // One at once, then two ticks of the shared 50 ms timer: at least one full interval apart.
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(h.hub.count({ kind: 'events' })).toBe(1);
    controller.abort();
    await expect.poll(() => h.hub.count()).toBe(0);
  });
});
