/**
 * Issue 20 (must-show 3): `serve --upstream URL` reads the upstream's GET /v1/models at start and
 * offers exactly those models under the upstream's names; an upstream that cannot be reached, or
 * lists none, stops the start with one clear line and a non-zero exit. No model name the gateway
 * made up (the old default was "default") ever reaches the upstream.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, type OpenAiTestServer } from '../../helpers/openai-server.js';
import type { TestDevice } from '../../helpers/pinned-client.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TWO = ['test-chat', 'test-slow'];

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('serve --upstream URL discovers the models', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let device: TestDevice;
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-discovery-'));
    upstream = await startOpenAiServer({ models: TWO, chunks: 3 });
    gw = await startGateway({ upstream: upstream.baseUrl });
    device = await gw.enrolledDevice('ada@lab.example');
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('says at start which models it offers: exactly the two the upstream lists', () => {
    expect(gw.models).toEqual(TWO);
    expect(upstream.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/v1/models']);
  });

  it('offers those two to the tester, under the upstream\'s names', async () => {
    const res = await device.fetch('GET', '/v1/models');
    expect(res.status).toBe(200);
    expect(res.json<{ data: { id: string }[] }>().data.map((m) => m.id)).toEqual(TWO);
  });

  it('a listed model reaches the upstream by its name; an unlisted one never reaches it', async () => {
    const ok = await device.fetch('POST', '/v1/chat/completions', { body: { model: 'test-chat', messages: [{ role: 'user', content: 'hi' }] } });
    expect(ok.status).toBe(200);
    const before = upstream.requests.length;
    expect(upstream.requests.at(-1)!.json?.model).toBe('test-chat');
    for (const invented of ['default', 'test-long']) {
      const refused = await device.fetch('POST', '/v1/chat/completions', { body: { model: invented, messages: [{ role: 'user', content: 'hi' }] } });
      expect(refused.errorCode).toBe('not_found');
    }
    expect(upstream.requests.length).toBe(before);
    expect(upstream.requests.filter((r) => r.method === 'POST').map((r) => r.json?.model)).toEqual(['test-chat']);
  });

  it('an unreachable upstream stops the start with one clear line and a non-zero exit', async () => {
    const port = await closedPort();
    const result = await runCli(['init', '--data', join(base, 'unreachable')]);
    expect(result.code).toBe(0);
    const serve = await runCli(['serve', '--data', join(base, 'unreachable'), '--listen', '127.0.0.1:0', '--upstream', `http://127.0.0.1:${port}/v1`]);
    expect(serve.code).toBe(3);
    expect(serve.stdout).toBe('');
    expect(serve.stderr.trim().split('\n')).toEqual([`airlock-gateway: The upstream http://127.0.0.1:${port}/v1 cannot be reached (ECONNREFUSED): start it, or fix --upstream.`]);
  }, 120_000);

  it('an upstream that lists no models stops the start too; so does a --model it does not list', async () => {
    const empty = await startOpenAiServer({ models: [] });
    try {
      const data = join(base, 'empty');
      expect((await runCli(['init', '--data', data])).code).toBe(0);
      const serve = await runCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--upstream', empty.baseUrl]);
      expect(serve.code).toBe(1);
      expect(serve.stderr.trim().split('\n')).toHaveLength(1);
      expect(serve.stderr).toMatch(/The upstream http:\/\/127\.0\.0\.1:\d+\/v1 lists no models: load a model in it/);

      const unlisted = await runCli(['serve', '--data', data, '--listen', '127.0.0.1:0', '--upstream', upstream.baseUrl, '--model', 'test-long']);
      expect(unlisted.code).toBe(1);
      expect(unlisted.stderr.trim().split('\n')).toEqual([`airlock-gateway: The upstream ${upstream.baseUrl} does not list "test-long" (it lists test-chat, test-slow): fix --model.`]);
      expect(empty.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    } finally {
      await empty.close();
    }
  }, 120_000);
});
