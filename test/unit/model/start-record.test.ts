/**
 * Issue 19: a call's start record (`model.call.start`) is written while the upstream works on the
 * request, no longer before it is asked, and nothing of the answer reaches the tester before the
 * record is written: with the start sink held, the upstream is asked and answers in full, yet the
 * client has no status line; released, the answer arrives whole, and its end entry has the
 * start's callId.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { parseUpstreams } from '../../../gateway/model/upstream-config.js';
import type { ModelCallStart } from '../../../gateway/model/call-audit.js';
import { startHarness, type Harness } from './plugin-harness.js';
import { allEvents } from './sse-read.js';

const DEVICE = 'dev_AAAAAAAAAAAAAAAAAAAA alice@example.com';

describe('the start record and the answer', () => {
  let upstream: OpenAiTestServer;
  let h: Harness;
  const starts: ModelCallStart[] = [];
  let release: () => void = () => undefined;
  let held = Promise.resolve();

  beforeAll(async () => {
    upstream = await startOpenAiServer();
    h = await startHarness(parseUpstreams('test', {
      upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'K' }, models: TEST_MODELS.map((id) => ({ id })), timeouts: { firstByteMs: 30_000, idleMs: 30_000 } }],
    }), {
      env: { K: 'sk-test' },
      auditStart: async (entry) => {
        starts.push(entry);
        await held;
        return { durable: Promise.resolve() };
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
  });

  for (const stream of [true, false]) {
    it(`${stream ? 'streamed' : 'JSON'}: the upstream is asked while the record is written, the tester sees nothing before it is`, async () => {
      held = new Promise<void>((resolve) => (release = resolve));
      let released = false;
      let answeredEarly = false;
      const asked = upstream.nextRequest();
      const response = fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-device': DEVICE },
        body: JSON.stringify({ model: 'test-chat', stream, messages: [{ role: 'user', content: 'hi' }] }),
      }).then((res) => {
        answeredEarly = !released;
        return res;
      });
      const request = await asked;
      // The upstream has sent its whole answer; the gateway holds it until the record is written.
      expect(await request.closed).toEqual({ completed: true });
      expect(starts.at(-1)).toMatchObject({ type: 'model.call.start', model: 'test-chat', stream });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answeredEarly).toBe(false);
      released = true;
      release();
      const res = await response;
      expect(res.status).toBe(200);
      if (stream) expect((await allEvents(res.body)).map((e) => e.data)).toEqual(request.sent);
      else expect(await res.json()).toMatchObject({ object: 'chat.completion' });
      await expect.poll(() => h.audits.find((a) => a.callId === starts.at(-1)!.callId)?.outcome).toBe('ok');
    });
  }
});
