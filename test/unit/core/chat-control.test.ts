import { describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../../protocol/jws/signer.js';
import { b64uEncode } from '../../../protocol/encoding.js';
import { DEFAULT_POLICY, toClientPolicy } from '../../../protocol/schemas/policy.js';
import type { ChatDelta } from '../../../main/core/api.js';
import { streamChat } from '../../../main/core/chat.js';
import { backoffDelay, createControlChannel } from '../../../main/core/control-channel.js';
import { createDpopClient } from '../../../main/core/session/dpop-client.js';
import { createSession } from '../../../main/core/session/session.js';
import { systemClock } from '../../../main/core/node-ports.js';
import { errorAnswer, fakeHttp } from './support/fake-http.js';
import { memoryLogger } from './support/memory-logger.js';

const EVIDENCE = { platform: 'linux', osRelease: 'Debian 12', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false, machineIdHash: b64uEncode(new Uint8Array(32)), diskEncryption: 'off', debugger: false, keyStorage: 'keychain' } as const;
const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'demo', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'demo', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;

async function withGateway(route: Parameters<typeof fakeHttp>[1]) {
  const signer = await generateEphemeralSigner();
  const http = fakeHttp('https://gw.test', (req, i) => {
    if (req.path === '/v1/session') return { status: 200, headers: { 'DPoP-Nonce': 'bm9uY2U' }, json: { accessToken: 'a.b.c', tokenType: 'DPoP', expiresIn: 600 } };
    return route(req, i);
  });
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const dpop = createDpopClient({ http, signer: () => signer, clock: systemClock, random });
  const revoked: string[] = [];
  const session = createSession({ dpop, deviceId: 'dev_0123456789abcdefXYZ', signer, salt: 'c2FsdA', collect: async () => EVIDENCE, clock: systemClock, random, logger: memoryLogger(), onRevoked: (c) => revoked.push(c) });
  return { http, session, revoked };
}

async function all(iterable: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const d of iterable) out.push(d);
  return out;
}

describe('chat', () => {
  it('streams deltas and ends with done, finish reason and usage; the request is stream:true with usage', async () => {
    const { http, session, revoked } = await withGateway(() => ({ status: 200, chunks: [chunk('Hel'), chunk('lo'), chunk('', 'stop'), usage, 'data: [DONE]\n\n'] }));
    const deltas = await all(streamChat({ session, logger: memoryLogger(), onRevoked: (c) => revoked.push(c) }, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }));
    expect(deltas).toEqual([
      // Each delta and the end name the model the upstream's chunks named (the label an answer keeps).
      { type: 'delta', content: 'Hel', model: 'demo' },
      { type: 'delta', content: 'lo', model: 'demo' },
      { type: 'done', finishReason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }, model: 'demo' },
    ]);
    expect(JSON.parse(http.requests.at(-1)!.body!)).toEqual({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  });

  it('maps the gateway\'s SSE error event to an error delta, and a revoking one to onRevoked', async () => {
    const cut = `event: error\ndata: ${JSON.stringify({ error: { code: 'device_revoked', message: 'Revoked: lost laptop' } })}\n\n`;
    const { session, revoked } = await withGateway(() => ({ status: 200, chunks: [chunk('Hel'), cut] }));
    const deltas = await all(streamChat({ session, logger: memoryLogger(), onRevoked: (c) => revoked.push(c) }, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }));
    expect(deltas.at(-1)).toEqual({ type: 'error', code: 'device_revoked', message: 'Revoked: lost laptop' });
    expect(revoked).toEqual(['device_revoked']);
  });

  it('cancels on abort (closing the stream) and reports a truncated stream', async () => {
    const controller = new AbortController();
    const { session } = await withGateway(() => ({
      status: 200,
      chunks: async function* (signal) {
        yield chunk('one');
        if (!signal?.aborted) await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
        yield chunk('never');
      },
    }));
    const seen: ChatDelta[] = [];
    for await (const d of streamChat({ session, logger: memoryLogger(), onRevoked: () => undefined }, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }, controller.signal)) {
      seen.push(d);
      if (d.type === 'delta') controller.abort();
    }
    expect(seen).toEqual([{ type: 'delta', content: 'one', model: 'demo' }, { type: 'error', code: 'cancelled', message: 'Cancelled.' }]);

    const truncated = await withGateway(() => ({ status: 200, chunks: [chunk('x')] }));
    const deltas = await all(streamChat({ session: truncated.session, logger: memoryLogger(), onRevoked: () => undefined }, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }));
    expect(deltas.at(-1)).toMatchObject({ type: 'error', code: 'network_error' });
  });

  it('refuses a malformed request locally and surfaces gateway errors like rate_limited', async () => {
    const { session } = await withGateway(() => errorAnswer(429, 'rate_limited', { 'Retry-After': '7' }));
    const bad = await all(streamChat({ session, logger: memoryLogger(), onRevoked: () => undefined }, { model: '', messages: [] }));
    expect(bad).toEqual([expect.objectContaining({ type: 'error', code: 'bad_request' })]);
    const limited = await all(streamChat({ session, logger: memoryLogger(), onRevoked: () => undefined }, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }));
    expect(limited).toEqual([expect.objectContaining({ type: 'error', code: 'rate_limited' })]);
  });
});

describe('control channel', () => {
  it('applies policy events, reconnects with backoff after a drop, and stops on revoked', async () => {
    const policy = { ...toClientPolicy(DEFAULT_POLICY), watermark: false };
    let opens = 0;
    const { session } = await withGateway((req) => {
      if (req.path !== '/v1/events') return errorAnswer(404, 'not_found');
      opens++;
      if (opens === 1) return { status: 200, chunks: [`event: heartbeat\ndata: {"at":1}\n\n`, `event: policy\ndata: ${JSON.stringify(policy)}\n\n`] };
      if (opens === 2) return errorAnswer(502, 'upstream_error');
      return { status: 200, chunks: ['event: revoked\ndata: {"reason":"lost laptop"}\n\n'] };
    });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const channel = createControlChannel({
        session,
        clock: systemClock,
        random: () => 0.5,
        logger: memoryLogger(),
        backoff: { initialMs: 5, maxMs: 20 },
        onPolicy: (p) => seen.push(`policy watermark=${p.watermark}`),
        onRevoked: (reason) => {
          seen.push(`revoked ${reason}`);
          resolve();
        },
        onConnected: (c) => seen.push(c ? 'up' : 'down'),
        onFatal: (e) => seen.push(`fatal ${e.code}`),
      });
      channel.start();
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['up', 'policy watermark=false', 'down', 'up', 'revoked lost laptop', 'down']);
    expect(opens).toBe(3);
  });

  it('stops for good on a revoking answer', async () => {
    let opens = 0;
    const { session, revoked } = await withGateway(() => {
      opens++;
      return errorAnswer(403, 'tester_suspended');
    });
    const channel = createControlChannel({ session, clock: systemClock, random: () => 0.5, logger: memoryLogger(), backoff: { initialMs: 1, maxMs: 2 }, onPolicy: () => undefined, onRevoked: () => undefined, onConnected: () => undefined, onFatal: () => undefined });
    channel.start();
    await new Promise((r) => setTimeout(r, 50));
    channel.stop();
    expect(opens).toBe(1);
    expect(revoked).toEqual(['tester_suspended']);
  });

  it('backoff grows, is capped and jittered', () => {
    expect(backoffDelay(0, 250, 30_000, () => 0.999)).toBeLessThanOrEqual(250);
    expect(backoffDelay(3, 250, 30_000, () => 0.999)).toBeGreaterThan(1900);
    expect(backoffDelay(30, 250, 30_000, () => 0.999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(30, 250, 30_000, () => 0)).toBe(125);
  });
});

describe('control channel watchdog', () => {
  it('reopens a channel that went silent (half-open connection) and still gets the revocation', async () => {
    let opens = 0;
    const { session } = await withGateway(() => {
      opens++;
      if (opens === 1) {
        return {
          status: 200,
          chunks: async function* (signal) {
            yield 'event: heartbeat\ndata: {"at":1}\n\n';
            // Then nothing, ever: only the watchdog's abort ends this.
            if (!signal?.aborted) await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
          },
        };
      }
      return { status: 200, chunks: ['event: revoked\ndata: {"reason":"gone"}\n\n'] };
    });
    const reason = await new Promise<string>((resolve) => {
      createControlChannel({
        session, clock: systemClock, random: () => 0.5, logger: memoryLogger(), backoff: { initialMs: 5, maxMs: 10 }, silenceMs: 50,
        onPolicy: () => undefined, onRevoked: resolve, onConnected: () => undefined, onFatal: () => undefined,
      }).start();
    });
    expect(reason).toBe('gone');
    expect(opens).toBe(2);
  });
});
