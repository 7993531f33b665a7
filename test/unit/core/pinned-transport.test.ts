import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../protocol/errors.js';
import { createGatewayHttp } from '../../../main/core/transport/gateway-http.js';
import { createPinnedConnector, type TrustAnchors } from '../../../main/core/transport/pinned-connector.js';
import { createServerCert, createTestCa, FOREIGN_PIN, type TestCa } from './support/pki.js';
import { memoryLogger } from './support/memory-logger.js';
import { startTlsServer, type TestTlsServer } from './support/tls-server.js';

function anchors(pins: string[], caPems: string[] = []): TrustAnchors & { adopted: string[] } {
  const state = { pins, caPems: [...caPems], adopted: [] as string[] };
  return {
    adopted: state.adopted,
    pins: () => state.pins,
    caPems: () => state.caPems,
    adopt(pem) {
      state.adopted.push(pem);
      state.caPems.push(pem);
    },
  };
}

async function get(origin: string, trust: TrustAnchors): Promise<unknown> {
  const logger = memoryLogger();
  const http = createGatewayHttp({ origin, connector: createPinnedConnector({ trust, now: () => new Date(), logger }) });
  try {
    const response = await http.request({ method: 'GET', path: '/hello' });
    return await response.json();
  } finally {
    await http.close();
  }
}

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (!isAirlockError(error, 'connection_not_trusted')) throw error;
    return error.message;
  }
  throw new Error('expected connection_not_trusted');
}

describe('pinned transport', () => {
  let ca: TestCa;
  let other: TestCa;
  const servers: TestTlsServer[] = [];
  const serve = async (...args: Parameters<typeof startTlsServer>): Promise<TestTlsServer> => {
    const server = await startTlsServer(...args);
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    [ca, other] = await Promise.all([createTestCa(), createTestCa({ name: 'MITM CA' })]);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('bootstraps from the pin alone, adopts the CA, then trusts it with normal verification', async () => {
    const server = await serve(await createServerCert(ca));
    const trust = anchors([ca.pin]);
    expect(await get(server.origin, trust)).toEqual({ ok: true, path: '/hello' });
    expect(trust.adopted).toHaveLength(1);
    expect(trust.adopted[0]).toContain('BEGIN CERTIFICATE');
    // With the CA known, the next connection does not bootstrap again.
    expect(await get(server.origin, trust)).toEqual({ ok: true, path: '/hello' });
    expect(trust.adopted).toHaveLength(1);
    expect(server.requests).toBe(2);
  });

  it('works by host name too (SNI), as in https://localhost:PORT', async () => {
    const server = await serve(await createServerCert(ca), 'localhost');
    expect(await get(server.origin, anchors([ca.pin]))).toMatchObject({ ok: true });
  });

  it('refuses a MITM gateway with a certificate from another CA, at enrollment and after, before any request is sent', async () => {
    const server = await serve(await createServerCert(other));
    expect(await refused(get(server.origin, anchors([ca.pin])))).toMatch(/pin set/);
    expect(await refused(get(server.origin, anchors([ca.pin], [ca.certPem])))).toMatch(/pin set/);
    expect(server.requests).toBe(0);
  });

  it('refuses the right CA when its pin is not in the set (at enrollment and on every later connection)', async () => {
    const server = await serve(await createServerCert(ca));
    expect(await refused(get(server.origin, anchors([FOREIGN_PIN])))).toMatch(/pin set/);
    expect(await refused(get(server.origin, anchors([FOREIGN_PIN], [ca.certPem])))).toMatch(/not in the pin set/);
    expect(server.requests).toBe(0);
  });

  it('refuses a certificate from the right CA for another host', async () => {
    const server = await serve(await createServerCert(ca, { hosts: ['gateway.example'], ips: ['10.9.9.9'] }));
    expect(await refused(get(server.origin, anchors([ca.pin], [ca.certPem])))).toMatch(/failed verification/);
    expect(await refused(get(server.origin, anchors([ca.pin])))).toMatch(/does not name/);
    expect(server.requests).toBe(0);
  });

  it('refuses an expired server certificate from the right CA', async () => {
    const server = await serve(await createServerCert(ca, { notBefore: new Date(Date.now() - 9 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }));
    expect(await refused(get(server.origin, anchors([ca.pin], [ca.certPem])))).toMatch(/CERT_HAS_EXPIRED/);
    expect(server.requests).toBe(0);
  });

  it('rotates to the CA of the backup pin, and only to that one', async () => {
    const next = await createTestCa({ name: 'Rotated CA' });
    const server = await serve(await createServerCert(ca));
    const trust = anchors([ca.pin, next.pin]);
    await get(server.origin, trust);
    server.use(await createServerCert(next));
    expect(await get(server.origin, trust)).toMatchObject({ ok: true });
    expect(trust.adopted).toHaveLength(2);
    // A third CA, not pinned, is still refused.
    server.use(await createServerCert(other));
    expect(await refused(get(server.origin, trust))).toMatch(/pin set/);
  });

  it('a network failure is not a trust failure', async () => {
    const server = await serve(await createServerCert(ca));
    const origin = server.origin;
    await server.close();
    servers.length = 0;
    await expect(get(origin, anchors([ca.pin]))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
