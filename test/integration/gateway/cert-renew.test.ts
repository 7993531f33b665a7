/**
 * Issue 20 (must-show 6): `cert renew` makes a new server certificate from the same CA, so the
 * pin does not change, and the running gateway serves it to new connections at once, through
 * its admin socket, without a restart: a client connected before (an open event channel, a
 * keep-alive connection) keeps working across it, and a new connection gets the new certificate.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, pinOfDerCertificate, type TestDevice } from '../../helpers/pinned-client.js';
import { openStream, type OpenStream } from '../model/streaming-device.js';

/** The serial and issuer pin of the certificate a brand-new TLS connection is shown (verified against the CA only). */
function presented(listenUrl: string, caPem: string): Promise<{ serial: string; caPin: string }> {
  const { hostname, port } = new URL(listenUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: caPem, servername: 'localhost', minVersion: 'TLSv1.2' }, () => {
      const leaf = socket.getPeerCertificate(true);
      resolve({ serial: leaf.serialNumber.toUpperCase(), caPin: pinOfDerCertificate(leaf.issuerCertificate.raw) });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** Reads heartbeats for `ms`: a stream that ended (or stalled 5 s) fails. */
async function stillDelivering(stream: OpenStream, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const next = await Promise.race([stream.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
    expect(next?.event).toBe('heartbeat');
  }
}

describe('cert renew', () => {
  let gw: TestGateway;
  let device: TestDevice;
  let events: OpenStream;

  beforeAll(async () => {
    gw = await startGateway({ env: { AIRLOCK_EVENTS_HEARTBEAT_MS: '200' } });
    device = await gw.enrolledDevice('ada@lab.example');
    events = await openStream(device, 'GET', '/v1/events');
    expect(events.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    events?.abort();
    await gw?.stop();
  });

  it('keeps the pin, and a connected client keeps working while new connections get the new certificate', async () => {
    const before = new X509Certificate(await readFile(join(gw.dataDir, 'server.pem')));
    expect(await presented(gw.listenUrl, gw.caPem)).toEqual({ serial: before.serialNumber.toUpperCase(), caPin: gw.pin });
    expect((await events.next())?.event).toBe('heartbeat');

    const renewed = await gw.cli(['cert', 'renew', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    const result = renewed.json<{ pin: string; serial: string; reloaded: boolean; notAfter: string }>();
    expect(result.pin).toBe(gw.pin);
    expect(result.reloaded).toBe(true);
    const after = new X509Certificate(await readFile(join(gw.dataDir, 'server.pem')));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.serialNumber.toUpperCase()).toBe(result.serial.toUpperCase());
    expect(after.subjectAltName).toBe(before.subjectAltName);
    for (const file of ['server.pem', 'server.key']) expect((await stat(join(gw.dataDir, file))).mode & 0o777, file).toBe(0o600);
    // The renewal is in the audit log, with the new serial and the admin who ran it.
    const tail = (await gw.admin({ op: 'audit.tail', n: 5 })) as { type: string; subject: string; details: Record<string, unknown> }[];
    expect(tail.find((e) => e.type === 'admin.cert.renew')).toMatchObject({ subject: result.serial, details: { pin: gw.pin, notAfter: result.notAfter } });

    // A new connection: the new certificate, under the same CA (the pin).
    expect(await presented(gw.listenUrl, gw.caPem)).toEqual({ serial: after.serialNumber.toUpperCase(), caPin: gw.pin });

    // The event channel opened before is still open and still delivering, past what it had queued.
    await stillDelivering(events, 1_500);
    // The same client (its keep-alive connection) goes on; so does a new client with only the old pin.
    expect((await device.fetch('GET', '/v1/models')).status).toBe(200);
    const fresh = await createTestDevice(gw.client());
    await fresh.enroll(await gw.invite('bo@lab.example'));
    await fresh.session();
    expect((await fresh.fetch('GET', '/v1/models')).status).toBe(200);
  }, 120_000);

  it('--name adds a name; the gateway was never restarted', async () => {
    const renewed = await gw.cli(['cert', 'renew', '--name', 'gateway2.lab.example', '--json']);
    expect(renewed.code, renewed.stderr).toBe(0);
    expect(renewed.json<{ names: string[]; pin: string }>()).toMatchObject({ names: ['gateway2.lab.example'], pin: gw.pin });
    expect(new X509Certificate(await readFile(join(gw.dataDir, 'server.pem'))).subjectAltName).toContain('DNS:gateway2.lab.example');
    expect(gw.process.exitCode).toBeNull();
      await stillDelivering(events, 1_000);
  }, 120_000);
});
