/**
 * Issue 20, "A real address" (must-show 2): `init --name gateway.lab.example`, then `serve` on a
 * wildcard address. Without a public origin the gateway refuses to start and names the flag to
 * add; with one, every invite carries it (never localhost or 127.0.0.1), and a client enrolls
 * through that name. The name resolves only inside this test (the client's own lookup maps it
 * to 127.0.0.1), and TLS still checks it against the server certificate and the pin.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInviteLink } from '../../../protocol/invite/link.js';
import { runCli, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDevice, GatewayClient } from '../../helpers/pinned-client.js';

const NAME = 'gateway.lab.example';

/** The test's resolver: NAME is this machine; everything else as usual. */
const lookup = ((hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
  dnsLookup(hostname === NAME ? '127.0.0.1' : hostname, options, callback as never);
}) as LookupFunction;

let base: string;
const gateways: TestGateway[] = [];
const clients: GatewayClient[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airlock-origin-'));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const gw of gateways) await gw.stop();
  await rm(base, { recursive: true, force: true });
});

describe('public origin', () => {
  it('a wildcard listen address with no public origin is refused, naming the flag to add', async () => {
    const data = join(base, 'nameless');
    expect((await runCli(['init', '--data', data])).code).toBe(0);
    const refused = await runCli(['serve', '--data', data, '--listen', '0.0.0.0:0', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/--listen 0\.0\.0\.0:0 is reachable from other machines.*Add --public-origin https:\/\/NAME:8443/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    // A public origin the server certificate does not name is refused too: apps would refuse it.
    const unnamed = await runCli(['serve', '--data', data, '--listen', '0.0.0.0:0', '--public-origin', 'https://other.lab.example:8443']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/does not name other\.lab\.example.*cert renew --name other\.lab\.example/);

    // With one on the command line (a name the certificate has), it starts.
    const gw = await startGateway({ dataDir: data, args: ['--listen', '0.0.0.0:0', '--public-origin', 'localhost'] });
    gateways.push(gw);
    expect(gw.listenUrl).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
    expect(gw.url).toBe(`https://localhost:${new URL(gw.listenUrl).port}`);
  }, 120_000);

  it('init --name puts the name in the certificate and the configuration; invites carry it and a client enrolls through it', async () => {
    const data = join(base, 'named');
    const init = await runCli(['init', '--name', NAME, '--data', data, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json<{ publicOrigin: string }>().publicOrigin).toBe(`https://${NAME}:<port of --listen>`);
    expect(new X509Certificate(await readFile(join(data, 'server.pem'))).subjectAltName).toContain(`DNS:${NAME}`);
    expect((await stat(join(data, 'gateway.json'))).mode & 0o777).toBe(0o600);

    const gw = await startGateway({ dataDir: data, args: ['--listen', '0.0.0.0:0'] });
    gateways.push(gw);
    const port = new URL(gw.listenUrl).port;
    expect(gw.listenUrl).toBe(`https://0.0.0.0:${port}`);
    expect(gw.url).toBe(`https://${NAME}:${port}`);

    // The real CLI, as an admin would run it, through the admin socket.
    const created = await runCli(['invite', 'create', '--email', 'ada@lab.example', '--data', data, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const link = created.json<{ link: string }>().link;
    expect(link).not.toMatch(/localhost|127\.0\.0\.1|0\.0\.0\.0|%5B%3A%3A|::/);
    const parsed = parseInviteLink(link);
    expect(parsed.gateway).toBe(`https://${NAME}:${port}`);
    expect(parsed.pins).toEqual([gw.pin]);

    // The client knows only the link: it connects to the name in it, pinned to the pin in it.
    const client = new GatewayClient({ origin: parsed.gateway, caPem: gw.caPem, pins: parsed.pins, lookup });
    clients.push(client);
    const device = await createTestDevice(client);
    const enrolled = await device.enroll(link);
    expect(enrolled.tester).toBe('ada@lab.example');
    await device.session();
    const models = await device.fetch('GET', '/v1/models');
    expect(models.status).toBe(200);
    expect(models.json<{ data: { id: string }[] }>().data.map((m) => m.id)).toEqual(['airlock-demo']);
  }, 120_000);

  it('the origin can be changed later; invites made while stopped carry the new one', async () => {
    const data = join(base, 'named');
    const gw = gateways.pop()!;
    await gw.stop({ keepData: true });

    const shown = await runCli(['origin', 'show', '--data', data, '--json']);
    expect(shown.json()).toMatchObject({ host: NAME, port: null });
    // A name the certificate lacks is refused with what to run.
    const refused = await runCli(['origin', 'set', 'https://elsewhere.example:9443', '--data', data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cert renew --name elsewhere\.example/);

    const set = await runCli(['origin', 'set', `https://${NAME}:9443`, '--data', data, '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ publicOrigin: `https://${NAME}:9443`, port: 9443 });
    const invite = await runCli(['invite', 'create', '--email', 'bo@lab.example', '--data', data, '--json']);
    expect(invite.code, invite.stderr).toBe(0);
    expect(parseInviteLink(invite.json<{ link: string }>().link).gateway).toBe(`https://${NAME}:9443`);
  }, 120_000);
});
