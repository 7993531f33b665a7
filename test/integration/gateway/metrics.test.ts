/**
 * Issue 20, must-show 5: a real gateway with `--metrics-listen`, a chat, an upstream failure, a
 * refusal and a revocation that cuts a live stream and an event channel; then /metrics is scraped
 * on its own listener and the exposition is parsed line by line (test/helpers/prometheus-text.ts):
 * each is counted, and no label value (nor any byte of the scrape) holds a token, an email, an
 * invite code, a proof or a prompt. Also: the testers' port does not serve metrics, and a
 * non-loopback metrics address is refused without --metrics-allow-remote.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startOpenAiServer, TEST_MODELS, type OpenAiTestServer } from '../../helpers/openai-server.js';
import { createTestDevice, type TestDevice } from '../../helpers/pinned-client.js';
import { parseExposition, type Exposition } from '../../helpers/prometheus-text.js';
import { openStream } from '../model/streaming-device.js';

const EMAIL = 'metrics-tester@example.com';
const PROMPT = 'the secret launch codes are 7-alpha-tango';

describe('Prometheus metrics on their own listener', () => {
  let upstream: OpenAiTestServer;
  let gw: TestGateway;
  let device: TestDevice;
  let inviteCode: string;
  /** Every credential the test sent, to show none reaches a metric. */
  const secrets: string[] = [];

  const scrape = async (): Promise<{ text: string; exposition: Exposition; contentType: string }> => {
    const response = await request(gw.metricsUrl!);
    const text = await response.body.text();
    expect(response.statusCode).toBe(200);
    return { text, exposition: parseExposition(text), contentType: String(response.headers['content-type']) };
  };
  const until = async (check: (e: Exposition) => boolean): Promise<Exposition> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { exposition } = await scrape();
      if (check(exposition)) return exposition;
      if (Date.now() > deadline) throw new Error('the metrics never showed the expected value');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    upstream = await startOpenAiServer({ slowMs: 20, longChunks: 10_000 });
    gw = await startGateway({
      args: ['--metrics-listen', '127.0.0.1:0'],
      upstreams: {
        upstreams: [{ kind: 'openai', name: 'test', baseUrl: upstream.baseUrl, apiKey: { env: 'TEST_UPSTREAM_KEY' }, models: TEST_MODELS.map((id) => ({ id })) }],
      },
      env: { TEST_UPSTREAM_KEY: 'sk-metrics-test-key-1b2c', AIRLOCK_EVENTS_HEARTBEAT_MS: '50' },
      policy: { limits: { requestsPerMinute: 1000, tokensPerDay: 10_000_000, streamsPerDevice: 4 } },
    });
    const link = await gw.invite(EMAIL);
    inviteCode = parseInviteLink(link).code;
    device = await createTestDevice(gw.client());
    await device.enroll(link);
    await device.session();
    secrets.push(inviteCode, device.accessToken!, 'sk-metrics-test-key-1b2c');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('counts a chat, an upstream failure, a refusal and a revocation with its cut; no label holds a token, email or prompt', async () => {
    expect(gw.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    // A chat, streamed, with the prompt.
    const chat = await device.fetch('POST', '/v1/chat/completions', { body: { model: 'test-chat', stream: true, messages: [{ role: 'user', content: PROMPT }] } });
    expect(chat.status).toBe(200);
    expect(chat.text).toContain('[DONE]');
    // An upstream failure.
    expect((await device.fetch('POST', '/v1/chat/completions', { body: { model: 'test-error', messages: [{ role: 'user', content: PROMPT }] } })).errorCode).toBe('upstream_error');
    // A refusal: the same proof twice.
    const proof = await device.proof('GET', '/v1/models', { accessToken: device.accessToken! });
    secrets.push(proof);
    const call = () => device.client.raw('GET', '/v1/models', { headers: { authorization: `DPoP ${device.accessToken!}`, dpop: proof } });
    expect((await call()).status).toBe(200);
    expect((await call()).errorCode).toBe('dpop_replay');

    // Credentials and the email where a label taken from the raw URL would catch them.
    expect((await device.client.raw('GET', `/v1/models?access_token=${device.accessToken!}&email=${EMAIL}`)).status).toBe(401);
    expect((await device.client.raw('GET', `/v1/${inviteCode}/${EMAIL}`)).status).toBe(404);

    // A live stream and an event channel, both seen by the gauges, then cut by one revocation.
    const stream = await openStream(device, 'POST', '/v1/chat/completions', { model: 'test-long', stream: true, messages: [{ role: 'user', content: PROMPT }] });
    expect(stream.status).toBe(200);
    expect((await stream.next())?.data).toContain('chat.completion.chunk');
    const events = await openStream(device, 'GET', '/v1/events');
    expect(events.status).toBe(200);
    const live = await until((e) => e.value('airlock_live_event_channels') === 1);
    expect(live.value('airlock_live_model_streams')).toBe(1);

    const revoked = await gw.cli(['device', 'revoke', device.deviceId!, '--reason', 'metrics test', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json()).toMatchObject({ status: 'revoked', cut: 2 });
    await stream.rest();
    await events.rest();
    expect((await device.fetch('GET', '/v1/models')).errorCode).toBe('device_revoked');

    const after = await until((e) => e.sum('airlock_model_calls_total') >= 3 && e.value('airlock_live_model_streams') === 0);
    const e = after;
    // Requests by method, route pattern and status; their latency histogram.
    expect(e.value('airlock_http_requests_total', { method: 'POST', route: '/v1/chat/completions', status: '200' })).toBe(2);
    expect(e.value('airlock_http_request_duration_seconds_count', { method: 'POST', route: '/v1/chat/completions', status: '200' })).toBe(2);
    expect(e.value('airlock_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/chat/completions', status: '200', le: '+Inf' })).toBe(2);
    expect(e.value('airlock_http_requests_total', { method: 'POST', route: '/v1/enroll', status: '201' })).toBe(1);
    expect(e.value('airlock_http_requests_total', { method: 'GET', route: '/v1/events', status: '200' })).toBe(1);
    expect(e.types.get('airlock_http_request_duration_seconds')).toBe('histogram');
    // Refusals by code.
    expect(e.value('airlock_refusals_total', { code: 'dpop_replay' })).toBe(1);
    expect(e.value('airlock_refusals_total', { code: 'upstream_error' })).toBe(1);
    expect(e.value('airlock_refusals_total', { code: 'device_revoked' })).toBe(1);
    // Model calls and the upstream: latency and errors.
    expect(e.value('airlock_model_calls_total', { upstream: 'test', outcome: 'ok' })).toBe(1);
    expect(e.value('airlock_model_calls_total', { upstream: 'test', outcome: 'cut' })).toBe(1);
    expect(e.value('airlock_upstream_call_duration_seconds_count', { upstream: 'test', outcome: 'ok' })).toBe(1);
    expect(e.value('airlock_upstream_errors_total', { upstream: 'test', code: 'upstream_error' })).toBe(1);
    // The revocation, its cut and the connections it cut.
    expect(e.value('airlock_revocations_total', { op: 'device.revoke' })).toBe(1);
    expect(e.value('airlock_revocation_connections_cut_total', { op: 'device.revoke' })).toBe(2);
    expect(e.value('airlock_revocation_cut_seconds_count', { op: 'device.revoke' })).toBe(1);
    expect(e.value('airlock_revocation_cut_seconds_sum', { op: 'device.revoke' })).toBeGreaterThan(0);
    expect(e.value('airlock_live_event_channels')).toBe(0);
    // The store and its audit queue.
    expect(e.value('airlock_audit_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(e.sum('airlock_store_errors_total')).toBe(0);

    // No label value, and no byte of the scrape, holds a credential, an email or the prompt.
    const { text, contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const labelValues = parseExposition(text).samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.length).toBeGreaterThan(100);
    const forbidden = [...secrets, EMAIL, device.deviceId!, PROMPT, '7-alpha-tango'];
    for (const value of labelValues) {
      expect(value).not.toContain('@');
      for (const secret of forbidden) expect(value).not.toContain(secret);
    }
    for (const secret of forbidden) expect(text).not.toContain(secret);
  });

  it('is not served on the testers\' port', async () => {
    const metricsPort = new URL(gw.metricsUrl!).port;
    expect(metricsPort).not.toBe(new URL(gw.url).port);
    const onTestersPort = await device.client.raw('GET', '/metrics');
    expect([onTestersPort.status, onTestersPort.errorCode]).toEqual([404, 'not_found']);
    expect(onTestersPort.text).not.toContain('airlock_http_requests_total');
  });

  it('refuses a non-loopback metrics address unless --metrics-allow-remote says so', async () => {
    const refused = await runCli(['serve', '--data', gw.dataDir, '--listen', '127.0.0.1:0', '--metrics-listen', '0.0.0.0:0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--metrics-listen: 0.0.0.0 is not a loopback address');
    expect(refused.stderr).toContain('--metrics-allow-remote');
    expect(refused.stdout).toBe('');
    const alone = await runCli(['serve', '--data', gw.dataDir, '--listen', '127.0.0.1:0', '--metrics-allow-remote']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--metrics-allow-remote needs --metrics-listen');
  });
});
