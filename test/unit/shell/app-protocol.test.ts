import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler, isAppUrl, resolveAppPath } from '../../../main/shell/app-protocol.js';
import { RENDERER_CSP } from '../../../main/shell/csp.js';

let root = '';
beforeAll(async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'airlock-app-protocol-'));
  root = path.join(base, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Airlock</title>');
  await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(base, 'secret.txt'), 'outside the renderer');
});

describe('app:// protocol', () => {
  it('serves the renderer with the strict CSP header', async () => {
    const handler = createAppProtocolHandler({ root });
    const response = await handler(new Request('app://airlock/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy');
    expect(csp).toBe(RENDERER_CSP);
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'none'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-eval');
    expect(await response.text()).toContain('<title>Airlock</title>');
    const script = await handler(new Request('app://airlock/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    'app://airlock/../secret.txt',
    'app://airlock/%2e%2e/secret.txt',
    'app://airlock/assets/..%2f..%2fsecret.txt',
    'app://airlock/..%5csecret.txt',
    'app://airlock/%00index.html',
    'app://other/index.html',
    'https://airlock/index.html',
  ])('refuses %s', async (url) => {
    const handler = createAppProtocolHandler({ root });
    const response = await handler(new Request(url)).catch(() => null);
    // Request() itself may refuse the URL; either way nothing outside the renderer is served.
    if (response) {
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('outside the renderer');
    }
    const resolved = resolveAppPath(root, url);
    expect(resolved === null || resolved.startsWith(root + path.sep)).toBe(true);
  });

  it('refuses methods other than GET', async () => {
    const handler = createAppProtocolHandler({ root });
    expect((await handler(new Request('app://airlock/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('knows its own origin only', () => {
    expect(isAppUrl('app://airlock/index.html')).toBe(true);
    expect(isAppUrl('app://airlock.evil/index.html')).toBe(false);
    expect(isAppUrl('app://user:pw@airlock/index.html')).toBe(false);
    expect(isAppUrl('https://airlock/')).toBe(false);
  });
});
