/**
 * Issue 12, "also seen": TLS 1.2 offers AEAD suites only, and concurrent connections are capped
 * per address and in total with a refusal that says so. Every client here trusts only the test
 * gateway's CA and checks its pin.
 */
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { pinnedServerIdentity } from '../../helpers/pinned-client.js';

const CBC_SUITES = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA', 'AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256'];

describe('TLS 1.2 suites (issue 12, also seen)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.stop());

  function handshake(ciphers: string): Promise<string> {
    const { hostname, port } = new URL(gw.listenUrl);
    return new Promise((resolve, reject) => {
      const socket: TLSSocket = connect({ host: hostname, port: Number(port), ca: gw.caPem, maxVersion: 'TLSv1.2', minVersion: 'TLSv1.2', ciphers, checkServerIdentity: pinnedServerIdentity([gw.pin]) });
      socket.once('secureConnect', () => {
        const name = socket.getCipher().name;
        socket.end();
        resolve(name);
      });
      socket.once('error', reject);
    });
  }

  it('refuses a client that offers only CBC (or non-ECDHE) suites, one at a time', async () => {
    for (const suite of CBC_SUITES) await expect(handshake(suite), suite).rejects.toThrow(/handshake|cipher|alert/i);
  });

  it('agrees an AEAD suite with forward secrecy', async () => {
    expect(await handshake('ECDHE-ECDSA-AES128-GCM-SHA256')).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(await handshake('ECDHE-ECDSA-CHACHA20-POLY1305')).toBe('ECDHE-ECDSA-CHACHA20-POLY1305');
  });
});

describe('connection caps (issue 12, also seen)', () => {
  let gw: TestGateway;
  const clients: Client[] = [];
  beforeAll(async () => {
    gw = await startGateway({ env: { AIRLOCK_MAX_CONNECTIONS_PER_ADDRESS: '4', AIRLOCK_MAX_CONNECTIONS: '6' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.destroy()));
    await gw?.stop();
  });

  /** One keep-alive connection from `from`, held open until the test ends. */
  async function connection(from: string) {
    const client = new Client(gw.url, { localAddress: from, pipelining: 1, connect: { ca: gw.caPem, minVersion: 'TLSv1.2', checkServerIdentity: pinnedServerIdentity([gw.pin]) } });
    clients.push(client);
    const res = await client.request({ method: 'GET', path: '/healthz' });
    return { status: res.statusCode, connection: res.headers.connection, body: await res.body.text() };
  }

  it('answers the connection beyond the per-address cap with rate_limited naming the cap, and closes it', async () => {
    for (let i = 0; i < 4; i++) expect((await connection('127.0.0.3')).status).toBe(200);
    const fifth = await connection('127.0.0.3');
    expect(fifth.status, fifth.body).toBe(429);
    expect(fifth.connection).toBe('close');
    expect(JSON.parse(fifth.body)).toMatchObject({ error: { code: 'rate_limited' } });
    expect(JSON.parse(fifth.body).error.message).toMatch(/Too many connections from this address \(at most 4/);
    // Another address is not affected.
    expect((await connection('127.0.0.4')).status).toBe(200);
  });

  it('answers a connection beyond the total cap with unavailable naming the cap', async () => {
    expect((await connection('127.0.0.5')).status).toBe(200);
    const seventh = await connection('127.0.0.6');
    expect(seventh.status, seventh.body).toBe(503);
    expect(JSON.parse(seventh.body)).toMatchObject({ error: { code: 'unavailable' } });
    expect(JSON.parse(seventh.body).error.message).toMatch(/as many connections open as it takes \(6\)/);
  });

  it('takes new connections again once others close', async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await connection('127.0.0.6')).status).toBe(200);
  });
});
