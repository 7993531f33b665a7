/**
 * A call's end entry is written after its response has ended. Closing the gateway (SIGTERM) must
 * wait for it: before, `app.close()` returned while finished calls were still writing, the store
 * was closed under them, and the next start marked those calls interrupted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseUpstreams } from '../../../gateway/model/upstream-config.js';
import { startHarness, type Harness } from './plugin-harness.js';

const DEVICE = 'dev_AAAAAAAAAAAAAAAAAAAA alice@example.com';

describe('closing the model routes', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close().catch(() => undefined);
  });

  it('waits for a finished call to write its end entry', async () => {
    let slowStore: () => void = () => undefined;
    const storeSlow = new Promise<void>((resolve) => (slowStore = resolve));
    h = await startHarness(parseUpstreams('t', { upstreams: [{ kind: 'demo', tokensPerSecond: 0 }] }), { beforeAudit: () => storeSlow });
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-device': DEVICE },
      body: JSON.stringify({ model: 'airlock-demo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    expect(h.audits).toEqual([]); // the answer is out; its end entry is still being written

    let closed = false;
    const closing = h.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);
    slowStore();
    await closing;
    expect(h.audits).toEqual([expect.objectContaining({ type: 'model.call', outcome: 'ok' })]);
    h = undefined;
  });
});
