/**
 * Issue 5, item 1 (end): the session is renewed across an expiry with no visible error. The
 * shortest token lifetime the policy allows is 30 s, so this test waits past one expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { chatAll, removeDir, startApp, type TestApp, useOwnKeychain } from './client-harness.js';

describe('session renewal against a real gateway', () => {
  useOwnKeychain();
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let app: TestApp;

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 5 });
    gw = await startGateway({ upstreams: { upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, models: [{ id: 'test-chat' }] }] }, policy: { tokenLifetimeSeconds: 30 } });
  });
  afterAll(async () => {
    await app?.client.signOut({ localOnly: true }).catch(() => undefined);
    await app?.client.close();
    if (app) await removeDir(app.dataDir);
    await gw?.stop();
    await upstream?.close();
  });

  it('keeps chatting across a token expiry: renewed before expiry, no error state, no error delta', async () => {
    app = await startApp({ gateway: gw.url });
    await app.client.enroll(await gw.invite('renew@example.com'));
    const first = app.client.state() as { sessionExpiresAt: string };
    const firstExpiry = Date.parse(first.sessionExpiresAt);
    expect(firstExpiry - Date.now()).toBeGreaterThan(25_000);
    expect((await chatAll(app.client, 'test-chat', 'before')).at(-1)).toMatchObject({ type: 'done' });

    // Chat now and then until well past the first token's expiry.
    while (Date.now() < firstExpiry + 1500) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const deltas = await chatAll(app.client, 'test-chat', 'during');
      expect(deltas.filter((d) => d.type === 'error')).toEqual([]);
      expect(deltas.at(-1)).toMatchObject({ type: 'done' });
    }

    const now = app.client.state() as { kind: string; sessionExpiresAt: string; connected: boolean };
    expect(now.kind).toBe('enrolled');
    expect(Date.parse(now.sessionExpiresAt)).toBeGreaterThan(firstExpiry);
    expect(app.states.filter((s) => s.kind === 'error' || s.kind === 'revoked' || s.kind === 'not-enrolled').length).toBe(1); // only the initial not-enrolled
    expect(app.logs.lines.filter((l) => l.message === 'session: started').length).toBeGreaterThanOrEqual(2);
    expect(app.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
    // The control channel stayed up (or came straight back) through the renewal.
    await app.waitFor((s) => s.kind === 'enrolled' && s.connected, 3000);
  }, 60_000);
});
