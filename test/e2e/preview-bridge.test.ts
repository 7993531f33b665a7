/**
 * The dev preview's bridge answers only its own page: the one-time token works once, every call
 * needs the key it returns, and requests naming another origin, site or host are refused.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeChannel } from '../../main/ipc/contract.js';
import { PREVIEW_CSP } from '../../main/preview/preview-server.js';
import { createFakeClient } from './support/fake-client.js';
import { openPreview, removeBuiltRenderer } from './support/preview-harness.js';
import type { Preview } from './support/preview-harness.js';

let preview: Preview;
let token = '';

beforeAll(async () => {
  preview = await openPreview(createFakeClient());
  token = new URL(preview.server.pageUrl).hash.replace('#token=', '');
}, 60_000);

afterAll(async () => {
  await preview?.close();
  await removeBuiltRenderer();
});

/** A raw request, so that Host and Origin can be set as an attacker's page would send them. */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(path, preview.server.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path: url.pathname, method: options.method ?? 'GET', headers: { host: url.host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };

/** The key with its last character changed (to a different one, whatever it was). */
function otherKey(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
}

describe('preview bridge', () => {
  it('serves the page with its CSP and the bridge script first', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(PREVIEW_CSP);
    expect(page.body.indexOf('preview-bridge.js')).toBeLessThan(page.body.indexOf('type="module"'));
  });

  it('refuses calls without the key, then exchanges the one-time token exactly once', async () => {
    const anonymous = await send(`/bridge/invoke/${InvokeChannel.GetState}`, { method: 'POST', headers: json, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect((await send('/bridge/session', { method: 'POST', headers: json, body: JSON.stringify({ token: 'wrong' }) })).status).toBe(403);

    const first = await send('/bridge/session', { method: 'POST', headers: { ...json, origin: preview.server.origin }, body: JSON.stringify({ token }) });
    expect(first.status).toBe(200);
    const { key } = JSON.parse(first.body) as { key: string };
    const again = await send('/bridge/session', { method: 'POST', headers: json, body: JSON.stringify({ token }) });
    expect(again.status).toBe(403);

    const keyed = await send(`/bridge/invoke/${InvokeChannel.GetState}`, { method: 'POST', headers: { ...json, 'x-airlock-bridge': key }, body: '{}' });
    expect(JSON.parse(keyed.body)).toEqual({ ok: true, value: { kind: 'not-enrolled' } });
    const wrongKey = await send(`/bridge/invoke/${InvokeChannel.GetState}`, { method: 'POST', headers: { ...json, 'x-airlock-bridge': otherKey(key) }, body: '{}' });
    expect(wrongKey.status).toBe(401);

    // With the key, still refused: another origin, a cross-site fetch, a rebinding host name.
    const hostile: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { host: 'evil.example:80' }];
    for (const headers of hostile) {
      const refused = await send(`/bridge/invoke/${InvokeChannel.GetState}`, { method: 'POST', headers: { ...json, 'x-airlock-bridge': key, ...headers }, body: '{}' });
      expect(refused.status).toBe(403);
    }
    // And the input is parsed like over IPC.
    const bad = await send(`/bridge/invoke/${InvokeChannel.Enroll}`, { method: 'POST', headers: { ...json, 'x-airlock-bridge': key }, body: JSON.stringify({ input: { link: 5 } }) });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, code: 'invalid_input' });
    const unknown = await send('/bridge/invoke/airlock:debug:eval', { method: 'POST', headers: { ...json, 'x-airlock-bridge': key }, body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('serves nothing outside the built assets', async () => {
    for (const path of ['/../package.json', '/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/index.html/../../package.json']) {
      const response = await send(path);
      expect(response.body).not.toContain('"devDependencies"');
    }
  });
});
